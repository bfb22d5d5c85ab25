problem many
let d = 5
input x ~ uniform(cube(d))
target f*(x) = exp(-norm(x)^2)
space barron
data { n = 4000   n_test = 2000 }
model net = two_layer(width = 2000, activation = relu)
train net { loss = mse   optimizer = adam(lr = 0.001)   steps = 20 }
sweep { seed = 0..199 }
