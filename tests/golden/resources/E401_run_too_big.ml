problem wide
let d = 5
input x ~ uniform(cube(d))
target f*(x) = exp(-norm(x)^2)
space barron
data { n = 500   n_test = 2000 }
model net = two_layer(width = 64, activation = relu, scaling = mean_field)
train net { loss = mse   optimizer = gd(lr = 0.2)   steps = 20 }
sweep { width = [8, 20000000]   seed = 0..2 }
