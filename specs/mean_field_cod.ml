# Mean-field two-layer nets on a Barron target and on a target outside Barron space (the distance to
# the unit sphere, in W^2): the non-Barron target trains slower as d grows (T17).
problem mean_field_cod

let d = 4
let r = 0.5

input x ~ uniform(cube(d))
# |‖x‖ - r| is not a Barron function (its singular set is curved); it lies in the multi-layer space W^2.
target f*(x) = abs(norm(x) - r) + sqrt(1 + sum(i in 1..d, x[i]^2)) / 10 - log(2 + min(x[1], x[2]))
space multilayer(2)

data { n = 300   n_test = 2000   noise = 0.05 }

model mf = two_layer(width = 256, activation = relu, scaling = mean_field, init_scale = 0.5, bias = true)

train mf {
  loss      = mse
  penalty   = weight_decay(lambda = 1e-5)
  optimizer = gd(lr = 0.1, momentum = 0.5)
  steps     = 600
  record    = every 20: train_error, test_error, path_norm
}

sweep { d = [2, 4, 8] }
sweep { lr = linspace(0.05, 0.2, 2)   seed = 0..1 }

report {
  bounds
  rates over d
  plot test_error vs d
  plot test_error vs step
}
