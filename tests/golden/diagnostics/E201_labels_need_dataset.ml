problem golden

input  x ~ uniform(cube(3))
target f* = labels
model net = two_layer(width = 16)
