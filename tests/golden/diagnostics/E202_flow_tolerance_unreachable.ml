problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model net = two_layer(width = 16)
train net { optimizer = flow(rtol = 1e-15)   time = 100 }
