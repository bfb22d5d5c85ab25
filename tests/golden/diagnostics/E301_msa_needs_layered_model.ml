problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model net = two_layer(width = 64)
train { optimizer = msa(lr = 0.1, rho = 1) }
