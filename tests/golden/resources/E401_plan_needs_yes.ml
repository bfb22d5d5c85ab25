problem curves
let d = 5
input x ~ uniform(cube(d))
target f*(x) = exp(-norm(x)^2)
space barron
data { n = 50   n_test = 50 }
model net = two_layer(width = 8, activation = relu)
train net {
  loss = mse
  optimizer = gd(lr = 0.1)
  steps = 10000000
  record = every 1: train_error, test_error, path_norm
}
