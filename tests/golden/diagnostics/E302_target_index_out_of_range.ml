problem golden

let d = 20

input  x ~ uniform(sphere(d))
target f*(x) = relu(x[1]) + x[25]^2
model net = two_layer(width = 64)
