# Gradient-flow training (docs/continuous.md): the same mean-field two-layer net trained by GD and by its gradient
# flow, integrated by an adaptive ODE solver to time t = η·k = 0.05 · 400 = 20, with the curves against t.
problem gradient_flow

let d = 3

input x ~ uniform(cube(d))
target f*(x) = relu(x[1])

data { n = 64   n_test = 256 }

model gd = two_layer(width = 32, scaling = mean_field)
model flow = two_layer(width = 32, scaling = mean_field)

train gd { optimizer = gd(lr = 0.05)   steps = 400   record = every 20: train_error, test_error }
train flow {
  optimizer = flow(rtol = 1e-5, atol = 1e-7)
  time      = 20
  record    = at linspace(0, 20, 21): train_error, test_error
}
