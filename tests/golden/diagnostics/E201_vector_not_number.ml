problem golden

let d = 3
let s = -[1, 2]

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model net = two_layer(width = 16)
