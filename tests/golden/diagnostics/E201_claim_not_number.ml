problem golden

let d = 5

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
data { n = 100 }
model net = two_layer(width = 64)
sweep { width = [8, 32, 128]   seed = 0..1 }
claims { test_error < [0.1, 0.2] at width = 128 }
