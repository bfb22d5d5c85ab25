# The frequency principle as a claim (Xu et al.; REFERENCE §5.2): a deep tanh net fitting a sum of three sines
# settles the error of the low frequency first. `specs/f_principle.ml` at a smaller size (1500 Adam steps, a
# narrower net), with the order of convergence written as a claim that mlc checks per seed and on the median.
problem f_principle_claims

input x ~ grid(-5, 5, points = 101)
target f*(x) = sin(x[1]) + 2 * sin(3 * x[1]) + 3 * sin(5 * x[1])

data { n_test = 400 }

model deep { widths = [100, 100, 50]   activation = tanh }

train {
  loss      = mse
  optimizer = adam(lr = 1e-3, betas = [0.9, 0.999])
  steps     = 1500
  record    = every 50: train_error, spectrum
}

sweep { seed = 0..1 }

report { plot spectrum vs step }

claims { order of spectrum convergence is increasing below 0.1 }
