problem golden

let d = 5
let path = "train.npz"

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model net = two_layer(width = 64)
