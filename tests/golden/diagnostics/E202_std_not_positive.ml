problem golden

let d = 3

input  x ~ gaussian(d, std = 0)
target f*(x) = relu(x[1])
model net = two_layer(width = 16)
