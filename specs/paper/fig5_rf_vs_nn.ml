# Reproduces: the review's Fig. 5, left (§5.2/§5.4; REFERENCE §5.1 Fig. 5, T19): test error against the width m
# for random features (min-norm) and a two-layer net trained by GD, around m = n/(d+1) and m = n.
# Expected: the RF error peaks at m = n (T19); the net's threshold is m = n/(d+1), and its error stays below RF's.
# Reduced from n = 200, d = 20, GD to train error 1e-8 over 6 seeds to n = 100, d = 10, at most 2000 GD steps,
# 3 seeds.
problem fig5_rf_vs_nn

let d = 10

input x ~ gaussian(d, std = 1 / sqrt(d))
target f* = teacher two_layer(width = 5, activation = relu, seed = 7)
space barron

data { n = 100   n_test = 1000 }

model rf = random_features(width = m, activation = relu)
model net = two_layer(width = m, activation = relu, scaling = standard)

train rf { solve = min_norm }
train net {
  loss      = mse / 2
  optimizer = gd(lr = 0.05)
  until train_error < 1e-6
  max_steps = 2000
}

sweep { m = [3, 6, 9, 15, 40, 80, 100, 125, 300]   seed = 0..2 }

report {
  bounds
  summary = median
  plot test_error vs m
  mark m = n / (d + 1), m = n
}

# The figure's statement: the random-feature error peaks at the interpolation threshold m = n; the two-layer
# net's does not peak there (nor at n/(d+1)): its error falls with the width.
claims {
  peak of test_error over m at m = n for rf
  slope of test_error over m < 0 for net
}
