# Reproduces: the review's Fig. 7 (§5.4; REFERENCE §5.1 Fig. 7, §3.8 T18, V-abs 2008.05621): at m = n, GD on
# random features from a(0) = 0 shows three phases: the test error falls, stays on a plateau, then slowly rises
# to the min-norm error on the time scale 1/(η k λ_min) of the smallest eigenvalue.
# Reduced from MNIST at m = n = 500, t in [1, 1e12] to a ReLU teacher on the sphere in d = 10, m = n = 100,
# solved as gradient flow on a log time grid t in [1e-2, 1e12] with t = 0 and t = ∞, 5 seeds.
problem fig7_slow_deterioration

let d = 10

input x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 10, activation = relu, seed = 3)
space barron

data { n = 100   n_test = 1000   noise = 0.05 }

model rf = random_features(width = 100, activation = relu, bias = false, output_init = zero)

train rf {
  solve  = gradient_flow
  time   = inf
  record = at logspace(-2, 12, 57): train_error, test_error
}

sweep { seed = 0..4 }

report { bounds   summary = median   plot test_error vs step }
