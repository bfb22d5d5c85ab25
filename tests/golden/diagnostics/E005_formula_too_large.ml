problem golden

let d = 5

input  x ~ uniform(cube(d))
target f*(x) = sum(i in 1..100, sum(j in 1..100, x[1] * i / j))
model net = two_layer(width = 8)
