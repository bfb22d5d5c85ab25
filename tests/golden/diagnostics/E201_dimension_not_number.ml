problem golden

input  x ~ uniform(cube([1, 2]))
target f*(x) = relu(x[1])
model net = two_layer(width = 16)
