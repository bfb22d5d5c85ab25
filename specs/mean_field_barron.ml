# A width sweep of mean-field two-layer nets on a Barron target: a ReLU teacher with unit-sphere weights,
# normalised to unit variance under the input law (and centred), so errors read against Var f* = 1.
problem mean_field_barron

let d = 10

input x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 20, law = sphere, bias = true, seed = 1, normalize = sd(points = 100000, center = true))
space barron

data { n = 400   n_test = 2000 }

model mf = two_layer(width = 64, activation = relu, scaling = mean_field, output_init = zero)

train mf {
  loss      = mse
  optimizer = gd(lr = 0.5)
  steps     = 1000
  record    = every 100: train_error, test_error, path_norm
}

sweep { width = [8, 32, 128, 512]   seed = 0..2 }

report { bounds   rates over width   plot test_error vs width }
