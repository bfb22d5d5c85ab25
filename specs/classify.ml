# Two views of one target. Random features regress f* by gradient descent, followed exactly through the
# SVD (T18), so 100 000 steps cost no more than one; a deep ReLU net classifies the sign of f* with the
# logistic loss (its errors are misclassification rates).
problem classify

let d = 3

input x ~ uniform(cube(d))
target f*(x) = x[1] * x[2] + 0.25 * x[3]^2 - 0.05
space barron

data { n = 400   n_test = 2000 }

model rf = random_features(width = 300, activation = relu, scaling = ntk)
model deep = deep(width = 32, depth = 3, activation = relu, scaling = standard)

train rf {
  solve     = gd_exact
  optimizer = gd(lr = 0.5)
  steps     = 100000
  record    = every 10000: train_error, test_error
}
train deep { loss = logistic   optimizer = adam(lr = 1e-2)   steps = 400 }

sweep { seed = [0, 1, 2] }

report { bounds   plot test_error vs step }
