problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = dot(x[1], x)
model net = two_layer(width = 16)
