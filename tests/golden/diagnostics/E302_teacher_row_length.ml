problem golden

let d = 2

input  x ~ uniform(cube(d))
target f* = teacher two_layer(a = [1, -1], b = [[1, 0], [0, 1, 2]])
model net = two_layer(width = 16)
