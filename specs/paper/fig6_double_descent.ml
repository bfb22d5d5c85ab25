# Reproduces: the review's Fig. 6 (§5.4; REFERENCE §5.1 Fig. 6, T19): the min-norm random-feature test error
# against m peaks at m = n, exactly where λ_min of the Gram matrix is smallest; GD stopped early (from a(0) = 0)
# has no sharp peak.
# Reduced from MNIST (n = 500, 784 inputs, 10 classes, T up to 1e12) to a ReLU teacher on the sphere in d = 10,
# n = 100, 5 seeds, GD after T = 1e2 and 1e6 steps (closed form, REFERENCE T18).
problem fig6_double_descent

let d = 10

input x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 10, activation = relu, seed = 3)
space barron

data { n = 100   n_test = 500   noise = 0.05 }

model mn = random_features(width = m, activation = relu, bias = false, features = nested)
model gd = random_features(width = m, activation = relu, bias = false, features = nested, output_init = zero)

train mn { solve = min_norm }
train gd { solve = gd_exact   optimizer = gd(lr = 0.1)   steps = 100 }

sweep { m = [25, 50, 90, 100, 110, 200, 400]   seed = 0..4 }
sweep gd { steps = [100, 1000000] }

report {
  bounds
  summary = median
  plot test_error vs m
  mark m = n
}

# The figure's statement: the minimum-norm interpolant's error peaks at m = n.
claims { peak of test_error over m at m = n for mn }
