# Reproduces: the review's Fig. 4 (§5.2; REFERENCE §5.1 Fig. 4, V-abs 2006.14450): test error over (m, n) for
# conventional and mean-field scaling of a two-layer net on ReLU(x_1); with the lines m = n/(d+1) and m = n.
# Expected: the conventionally scaled net turns random-feature-like (worse) in the over-parameterised region
# m ≫ n; the mean-field net does not.
# Reduced from d = 20, log10 m in [2, 4.5], log10 n in [1.8, 2.65], GD to train loss 1e-7, 5000 test points to
# d = 10, m = 10..640, n = 50 and 200, at most 1500 GD steps, 1000 test points, one seed; the marks are drawn
# for n = 200 (a report cannot depend on a swept value).
problem fig4_scaling

let d = 10

input x ~ uniform(cube(d))
target f*(x) = relu(x[1])
space barron

data { n = 200   n_test = 1000 }

model conventional = two_layer(width = 64, activation = relu, scaling = standard)
model mean_field = two_layer(width = 64, activation = relu, scaling = mean_field)

train conventional {
  loss      = mse
  optimizer = gd(lr = 0.05)
  max_steps = 1500
  until train_error < 1e-7
}
train mean_field {
  loss      = mse
  optimizer = gd(lr = 0.5)
  max_steps = 1500
  until train_error < 1e-7
}

sweep { width = [10, 40, 160, 640]   n = [50, 200] }

report { plot test_error vs width   mark width = 200 / (d + 1), width = 200 }  # the lines for n = 200

# The figure's statement, at each n: the conventional net's error grows with the width and its path norm with it
# (random-feature-like: the fit is carried by many small output weights), while the mean-field net's path norm
# stays bounded.
claims {
  slope of test_error over width > 0 for conventional
  slope of path_norm over width > 0.5 for conventional
  slope of path_norm over width < 0.5 for mean_field
}
