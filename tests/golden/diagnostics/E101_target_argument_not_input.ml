problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(z) = relu(z[1])
model net = two_layer(width = 16)
