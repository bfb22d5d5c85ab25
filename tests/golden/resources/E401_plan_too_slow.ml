problem forever
let d = 5
input x ~ uniform(cube(d))
target f*(x) = exp(-norm(x)^2)
space barron
data { n = 500   n_test = 2000 }
model net = two_layer(width = 64, activation = relu)
train net { loss = mse   optimizer = gd(lr = 0.1)   steps = 1000000000000 }
