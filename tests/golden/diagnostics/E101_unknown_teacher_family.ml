problem golden

let d = 3

input  x ~ uniform(cube(d))
target f* = teacher resnet(width = 4)
model net = two_layer(width = 16)
