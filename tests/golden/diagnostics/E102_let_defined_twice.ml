problem golden

let d = 5

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
let d = 6
model net = two_layer(width = 64)
