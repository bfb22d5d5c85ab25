problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
let m = 1..4
model net = two_layer(width = 16)
