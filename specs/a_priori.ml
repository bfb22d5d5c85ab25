# The a priori estimate of the path-norm regularised two-layer net (T5), with its explicit constants,
# next to the measured error as the sample size grows. T5's choice of lambda (auto) is what makes the
# estimate hold; the target lies in [0, 1], as T5 requires, and its Barron norm is at most 1.
problem a_priori

let d = 10

input x ~ uniform(cube(d))
target f*(x) = relu(x[1] + x[2]) / 4 + relu(x[3] - x[4]) / 4
space barron

data { n = 500   n_test = 4000 }

model net = two_layer(width = 256, activation = relu, scaling = mean_field)

train net {
  loss      = mse / 2
  penalty   = path_norm(lambda = auto)
  optimizer = gd(lr = 0.2)
  steps     = 800
}

sweep { n = [250, 1000, 4000]   seed = 0..1 }

report { bounds   rates over n   plot test_error vs n }
