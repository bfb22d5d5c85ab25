problem golden

input  x ~ uniform(cube(1))
target f*(x) = relu(x[1])
model net = two_layer(width = 2, init = file("init_w2.npz"), output_init = zero)
