problem dep
let d = 5
input  x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 10, activation = relu, seed = 3)
data { n = nn   n_test = 200 }
model rf = random_features(width = m, activation = relu, bias = false)
train { solve = min_norm }
sweep { m = [10, 20, 40]   nn = [20, 40]   seed = 0..1 }
claims { test_error < 1   peak of test_error over m at m = 2 * m }
