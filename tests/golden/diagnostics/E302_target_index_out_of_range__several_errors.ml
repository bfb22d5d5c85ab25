problem golden

let d = 5

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1]) + x[9]
model net = two_layer(width = 0, activaton = relu)
model rf = random_features(width = 64)
train rf { penalty = path_norm(lambda = 0.1)   optimizer = gd(lr = -1) }
