problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model rf = random_features(width = 64)
train { steps = 100 }
sweep { optimizer = [gd(lr = 0.1), msa(lr = 0.1)] }
