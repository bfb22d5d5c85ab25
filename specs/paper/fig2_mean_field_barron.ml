# Reproduces: the review's Fig. 2, Barron panel (§5.1; REFERENCE §5.1 Fig. 2, V-abs 2005.10815): mean-field GD
# on a Barron target, ReLU(x_1), converges at about the same rate in every dimension d.
# Reduced from the replication's m = 2000, n = 1000, d = 30/100/250, 3250 steps to m = 128, n = 1000,
# d = 5/10/20, 600 steps (a 2-core machine, about a minute); inputs on [-1, 1]^d instead of [0, 1]^d.
# The claim is the paper's, on the test error (the population risk): its rate, the log-log slope over the
# recorded steps from step 100 (after the first drop from the initialisation), is the same at every d within
# 30%. Measured (docs/reproduce.md): slopes -0.91, -0.99, -0.95 at d = 5, 10, 20, spread 8%: holds. n is the
# replication's 1000 because at n = 200 (this spec's first size) the claim fails: the test error then levels
# off at the sample's floor first in high d (slopes -0.82, -0.66, -0.40, spread 64%), a finite-n effect, not
# the rate of training the paper's statement is about.
# Compare with fig2_mean_field_non_barron.ml: read the test error over the step at each d.
problem fig2_mean_field_barron

let d = 10

input x ~ uniform(cube(d))
target f*(x) = relu(x[1])
space barron

data { n = 1000   n_test = 1000 }

model mf = two_layer(width = 128, activation = relu, scaling = mean_field)

train mf {
  loss      = mse
  optimizer = gd(lr = 0.5)
  steps     = 600
  record    = every 50: train_error, test_error
}

sweep { d = [5, 10, 20]   seed = 0..1 }

report { plot test_error vs step   plot test_error vs d }

claims { slope of test_error over step insensitive to d within 30% from step 100 }
