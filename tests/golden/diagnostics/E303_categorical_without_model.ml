problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model rf = random_features(width = 16)
sweep { bias_init = [random, zero] }
