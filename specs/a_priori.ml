# The a priori estimate of the path-norm regularised two-layer net (T5), with its explicit constants,
# next to the measured error as the sample size grows. T5's choice of lambda (auto: λ = 4 on L = MSE/2)
# is what makes the estimate hold; the target lies in [0, 1], as T5 requires, and its Barron norm is at
# most 1 (one neuron). That λ shrinks the fit by about 6·λ·ε_n, ε_n = sqrt(2 ln(2(d+1))/n): in d = 10, or
# below n ≈ 4000 in d = 1, the penalised optimum is (close to) a constant and the net learns nothing, which
# the report would flag. So d = 1 and n from 8000: the error falls like 1/n, faster than T5's n^(-1/2),
# which the claim states (with room: -0.4, checked per seed and on the median).
problem a_priori

let d = 1

input x ~ uniform(cube(d))
target f*(x) = relu(x[1] + 1) / 2
space barron

data { n = 8000   n_test = 4000 }

model net = two_layer(width = 64, activation = relu, scaling = mean_field)

train net {
  loss      = mse / 2
  penalty   = path_norm(lambda = auto)
  optimizer = gd(lr = 0.2)
  steps     = 800
  record    = every 100: train_error, test_error
}

sweep { n = [8000, 16000, 32000]   seed = 0..1 }

report { bounds   rates over n   plot test_error vs n }

claims { slope of test_error over n <= -0.4 }
