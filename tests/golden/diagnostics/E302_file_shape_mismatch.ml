problem golden

input  x ~ file("points.csv", dim = 3)
target f*(x) = relu(x[1])
data { n = 2   n_test = 1 }
model net = two_layer(width = 16)
