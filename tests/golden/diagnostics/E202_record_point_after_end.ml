problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model net = two_layer(width = 16)
train net { steps = 100   record = at logspace(0, 3, 7): test_error }
