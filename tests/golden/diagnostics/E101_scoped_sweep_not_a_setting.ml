problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model rf = random_features(width = 64)
model net = two_layer(width = 16)
train rf { solve = min_norm }
sweep net { stpes = [100, 200] }
