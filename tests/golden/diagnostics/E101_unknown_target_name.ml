problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1]) + wieght
model net = two_layer(width = 16)
