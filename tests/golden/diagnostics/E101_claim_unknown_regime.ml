problem golden

input  x ~ uniform(cube(3))
target f*(x) = relu(x[1])
model net = two_layer(width = 16)
train { optimizer = adam(lr = 1e-3)   steps = 100   record = every 10: train_loss }
claims { regime of train_loss is spiky }
