problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = sum(i in 1..2.5, x[i])
model net = two_layer(width = 16)
