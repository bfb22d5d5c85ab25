# claims: one per line, the canonical spacing, comments kept
problem claims_layout
let d = 5
input  x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 10, activation = relu, seed = 3)
data { n = 40   n_test = 200 }
model rf = random_features(width = m, features = nested)
train { solve = min_norm }
sweep { m = [10, 20, 40, 80]   seed = 0..2 }
claims { peak of test_error over m at m=n within 1 step,  # T19: the peak at m = n
slope of test_error over m<=-0.4;test_error insensitive to m within 5 %
  peak of test_error over m at m = n/(d+1) within 10%
  test_error<0.01 at m=80 and m = 3   # two conditions
  train_error >= 0 }
claims { test_error < 1 }
