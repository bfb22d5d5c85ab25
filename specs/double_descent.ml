# Random features vs a two-layer net around the interpolation thresholds m = n/(d+1) and m = n
# (the review's Fig. 5 setting, at a small size). The RF model is solved in closed form (min-norm).
problem double_descent

let d = 20

input x ~ gaussian(d, std = 1 / sqrt(d))  # N(0, I/d)
target f* = teacher two_layer(width = 5, activation = relu, seed = 7)
space barron

data { n = 200   n_test = 2000 }

model rf = random_features(width = m, activation = relu)
model net = two_layer(width = m, activation = relu, scaling = standard)

train rf { solve = min_norm }
train net {
  loss      = mse / 2
  optimizer = gd(lr = 0.01)
  until train_error < 1e-6
  max_steps = 3000
}

sweep { m = logspace(0.5, 3, 8)   seed = 0..2 }

report { bounds   plot test_error vs m   mark m = n / (d + 1), m = n }
