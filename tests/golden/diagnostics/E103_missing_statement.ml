problem golden
let d = 5
input x ~ uniform(cube(d))
model net = two_layer(width = 64)
