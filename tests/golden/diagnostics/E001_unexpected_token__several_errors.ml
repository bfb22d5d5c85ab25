problem golden
let = 1
let d 5
input x ~ uniform(cube(3)
target f*(x) = relu(x[1])
model net = two_layer(width = 64 depth = 1)
