# Gradient descent on random features from a(0) = 0, the setting of the RF GD theory (T18): nested features
# (the width-m model uses the first m features of one pool per seed), the data held fixed across seeds.
problem rf_zero_init

let d = 5

input x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 5, seed = 2, normalize = sd(points = 50000))
space barron

data { n = 200   n_test = 2000   seed = 0 }

model rf = random_features(width = 100, activation = relu, scaling = ntk, bias = false, features = nested, output_init = zero)

train rf {
  solve     = gd_exact
  optimizer = gd(lr = 1)
  steps     = 10000
  record    = every 1000: train_error, test_error
}

sweep { width = [25, 50, 100, 200, 400, 800]   seed = 0..2 }

report { bounds   plot test_error vs width   mark width = n }
