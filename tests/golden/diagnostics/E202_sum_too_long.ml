problem golden

let d = 5

input  x ~ uniform(cube(d))
target f*(x) = sum(k in 1..1000000000, relu(x[1]) / k^2)
model net = two_layer(width = 8)
