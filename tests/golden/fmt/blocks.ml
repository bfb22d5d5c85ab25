problem blocks
let d = 3
input x ~ uniform(sphere(d))
target f*(x) = x[1]
data { }
model rf = random_features(width = 10)
model net = two_layer { width = 8 activation = tanh scaling = ntk bias = false }
model deep { widths = [4, 4] }
train rf { solve = min_norm }
train net { optimizer = sgd(lr = 0.1, batch = 10) steps = 100 loss = mse }
train deep { until train_error < 1e-3 max_steps = 100 record = every 10: train_error, test_error, train_loss }
sweep zip { n = [100, 200] n_test = [1000, 2000] }
sweep product { seed = 0..1 }
report {
  bounds  rates over n
  mark n = 2 * d, n = 10 * d
}
