# Slow deterioration of GD on random features at the resonance m = n (REFERENCE T18; Ma–Wu–E 2008.05621): from
# a(0) = 0, gradient flow first fits the target, then, on the time scale n/s_min² of the smallest singular values,
# slowly grows the harmful modes towards the min-norm interpolant's larger error. One run per seed records the
# whole log-spaced time grid, with t = 0 and t = ∞ (the min-norm limit) in it.
problem slow_deterioration

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
