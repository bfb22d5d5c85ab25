problem golden

input  x ~ grid(1, -1, points = 11)
target f*(x) = relu(x[1])
model net = two_layer(width = 16)
