problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = [1, 2, 3][x[1]]
model net = two_layer(width = 16)
