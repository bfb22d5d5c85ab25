problem golden

input  x ~ grid(-5, 5, points = 41)
target f*(x) = sin(x[1]) + sin(3 * x[1])
model net = deep(widths = [16, 16], activation = tanh)
train { optimizer = adam(lr = 1e-3)   steps = 100   record = every 10: train_error, spectrum }
sweep { seed = 0..1 }
claims { order of spectrum convergence is increasin }
