problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = sum(i in 0..2, x[i])
model net = two_layer(width = 16)
