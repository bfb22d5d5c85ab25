# Quickstart: a two-layer ReLU net learns a Gaussian bump on the cube [-1, 1]^5.
# Compares the measurements with Barron-space theory: the a posteriori bound on the generalisation gap
# from the trained path norm (T4), the path norm's bound independent of m (T5's, checked as a rate over the
# width), what the a priori estimate (T5) would need, and the approximation rate 1/m (T1), which bounds
# the best width-m net and so is listed, not compared with the test error.
problem quickstart

let d = 5

input x ~ uniform(cube(d))      # x uniform on [-1, 1]^d
target f*(x) = exp(-norm(x)^2)  # a Gaussian bump, s = 1/sqrt(2)
space barron                    # mlc bounds ||f*||_B from the Fourier rule (3 gamma + 1)

data { n = 500   n_test = 2000 }

model net = two_layer(width = 64, activation = relu, scaling = mean_field)

train net {
  loss      = mse
  penalty   = path_norm(lambda = 0.01)  # light; T5's own choice (auto) over-regularises at n = 500
  optimizer = gd(lr = 0.2)
  steps     = 2000
  record    = every 100: train_error, test_error, path_norm
}

sweep { width = [8, 32, 128, 512]   seed = 0..2 }

report {
  bounds
  rates over width
  plot test_error vs width
  plot path_norm vs width
}
