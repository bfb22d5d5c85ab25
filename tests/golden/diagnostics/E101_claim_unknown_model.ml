problem golden

input  x ~ uniform(cube(3))
target f*(x) = relu(x[1])
model net = two_layer(width = m)
sweep { m = [8, 16, 32] }
claims { test_error insensitive to m within 10% for nets }
