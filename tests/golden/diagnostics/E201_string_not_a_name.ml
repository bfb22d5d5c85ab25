problem golden

let d = 5

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model net = two_layer(width = 64, activation = "relu")
