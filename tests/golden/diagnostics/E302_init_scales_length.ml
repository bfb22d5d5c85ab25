problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model net = deep(widths = [16, 16], init_scales = [1, 0.5])
