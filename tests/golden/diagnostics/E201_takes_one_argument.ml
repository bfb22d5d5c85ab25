problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1], x[2])
model net = two_layer(width = 16)
