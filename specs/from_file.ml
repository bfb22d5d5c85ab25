# Inputs read from a file: 600 points of a closed curve in R^4 (circle_points.csv, beside this spec), a
# 1-dimensional data manifold; each seed draws disjoint train and test rows from it.
problem from_file

input x ~ file("circle_points.csv", dim = 4)
target f*(x) = relu(x[1] + x[3]) - x[2] * x[4]
space barron

data { n = 200   n_test = 400 }

model net = two_layer(width = 64, activation = relu, scaling = mean_field, output_init = zero)

train net { optimizer = gd(lr = 0.5)   steps = 500 }

sweep { width = [16, 64, 256]   seed = 0..1 }

report { bounds   rates over width }
