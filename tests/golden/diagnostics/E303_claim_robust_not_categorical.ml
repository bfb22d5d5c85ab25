problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model net = two_layer(width = 16)
sweep { scaling = [standard, mean_field]   lr = [0.01, 0.1] }
claims { test_error more robust with lr = mean_field than standard }
