# A two-class problem with the logistic loss: labels are the sign of f*. Random features (trained by
# GD, its exact trajectory) against a deep net trained by Adam.
problem classify

let d = 3

input x ~ uniform(cube(d))
target f*(x) = x[1] * x[2] + 0.25 * x[3]^2 - 0.05
space barron

data { n = 400   n_test = 2000 }

model rf = random_features(width = 300, activation = relu)
model deep = deep(width = 32, depth = 3, activation = relu, scaling = standard)

train rf {
  solve     = gd_exact
  optimizer = gd(lr = 0.5)
  steps     = 2000
  record    = every 200: test_error
}
train deep { loss = logistic   optimizer = adam(lr = 1e-2)   steps = 400 }

sweep { seed = [0, 1, 2] }

report { bounds }
