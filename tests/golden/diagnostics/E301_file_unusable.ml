problem golden

input  x ~ file("../outside.npz")
target f*(x) = relu(x[1])
model net = two_layer(width = 16)
