# Scaled ResNets in the flow-induced space: the error against depth L (T12/T13 predict L^-1).
# The weighted path norm at initialisation grows with L toward a constant exp(3 E|U||W|) (REFERENCE §2.4),
# about 28 at L = 2 and 390 at L = 16 here. Its penalty lambda · eps_n · norm must stay well below the
# target's mean square (0.055): lambda = 0.01 made it 0.47 at L = 16 and crushed the deep nets to the zero
# predictor; lambda = 1e-4 keeps it under 0.005 at every depth.
problem resnet_depth

let d = 8
let w = [1, -1, 0.5, 0, 0, 0.5, 0, -0.5]

input x ~ uniform(ball(d))
target f*(x) = tanh(dot(w, x)) * sigmoid(x[1] - x[2]) + 0.1 * max(x[3], x[4], 0)
space flow(norm <= 4)  # declared: no inference rule covers this product

data { n = 400   n_test = 2000   noise = 0.01 }

model res = resnet(width = 16, depth = 4, state_width = 12, activation = relu, init_scale = 0.5)

train res {
  loss      = mse
  penalty   = weighted_path_norm(lambda = 1e-4)
  optimizer = sgd(lr = 0.05, batch = 50)
  steps     = 800
  record    = every 200: test_error, weighted_path_norm
}

sweep { depth = [2, 4, 8, 16]   seed = 0..1 }

report {
  bounds
  rates over depth
  plot test_error vs depth
  delta = 0.1
}
