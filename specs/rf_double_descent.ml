# Min-norm random features around the interpolation threshold m = n (REFERENCE T19; the review's Fig. 4 setting
# at a small size). Nested features: the width-m model of a seed uses the first m features of one pool, so the
# widths of a seed are one growing model. Near m = n a few seeds explode, so the table leads with the median. Next
# to it, GD from a(0) = 0 on the same features after a short and a long time: that sweep is scoped to `gd`, so the
# min-norm model is trained once per width and seed, not once per step count.
problem rf_double_descent

let d = 10

input x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 10, activation = relu, seed = 3)
space barron

data { n = 100   n_test = 500   noise = 0.05 }

model mn = random_features(width = m, activation = relu, bias = false, features = nested)
model gd = random_features(width = m, activation = relu, bias = false, features = nested, output_init = zero)

train mn { solve = min_norm }
train gd { solve = gd_exact   optimizer = gd(lr = 0.1)   steps = 1000 }

sweep { m = [25, 50, 90, 100, 110, 200, 400]   seed = 0..4 }
sweep gd { steps = [1000, 1000000] }

report {
  bounds
  summary = median
  plot test_error vs m
  mark m = n
}
