problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model res = resnet(width = 8, depth = 4)
train { optimizer = msa(lr = 0.1, batch = 32) }
