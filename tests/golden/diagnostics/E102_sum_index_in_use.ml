problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = sum(i in 1..3, sum(i in 1..3, x[i]))
model net = two_layer(width = 16)
