problem golden

let d = 5
input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model mf = two_layer(width = 32, activation = relu, scaling = mean_field)
train mf { optimizer = gd(lr = 0.5)   steps = 200   record = every 50: test_error }
sweep { d = [5, 10] }
claims { slope of test_error over step insensitive to d within 30% from step 120 }
