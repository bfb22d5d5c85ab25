problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = norm(x * x)
model net = two_layer(width = 16)
