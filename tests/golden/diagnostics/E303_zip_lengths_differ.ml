problem golden

let d = 5

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model net = two_layer(width = 64)
sweep zip { n = [100, 200, 400]   n_test = [1000, 2000] }
