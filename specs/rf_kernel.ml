# Random features on the sphere in the kernel regime: ridge solution vs sample size, and the NTK-scaled
# two-layer net next to its infinite-width (kernel) prediction.
problem rf_kernel

let d = 6

input x ~ uniform(sphere(d))
target f*(x) = relu(x[1] + x[2]) - 0.5 * abs(x[3]) + cos(x[4] - x[5]) / 4
space rkhs(norm <= 3)

data { n = 200   n_test = 2000 }

model rf = random_features(width = 400, activation = relu, scaling = ntk, bias = false)
model ntk = two_layer(width = 400, activation = relu, scaling = ntk, bias = false)

train rf { penalty = rkhs_norm(lambda = 1e-3)   solve = ridge }
train ntk { optimizer = gd(lr = 0.5)   steps = 500   record = every 50: test_error, param_distance }

sweep zip { n = [50, 100, 200, 400]   n_test = [1000, 1000, 2000, 2000] }
sweep { seed = 0..2 }

report { bounds   rates over n   plot test_error vs n }
