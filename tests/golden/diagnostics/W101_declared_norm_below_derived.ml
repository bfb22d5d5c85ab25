problem golden

input x ~ uniform(cube(3))
target f*(x) = relu(3 * x[1] + 2 * x[2]) + cos(2 * x[3])
space barron(norm <= 1)

model net = two_layer(width = 10)
