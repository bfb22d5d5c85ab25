# The frequency principle: a deep tanh net fits low frequencies first (Xu et al.; REFERENCE §5.2).
problem f_principle

input x ~ grid(-5, 5, points = 101)
target f*(x) = sin(x[1]) + 2 * sin(3 * x[1]) + 3 * sin(5 * x[1])

data { n_test = 400 }

model deep { widths = [200, 200, 200, 100]   activation = tanh }

train {
  loss      = mse
  optimizer = adam(lr = 2e-4, betas = [0.9, 0.999])
  steps     = 3000
  record    = every 50: train_error, spectrum
}

report { plot spectrum vs step   plot train_error vs step }
