# The benchmark sweep of docs/performance.md: two-layer ReLU nets on the sphere S^19 (d = 20)
# learning a fixed random teacher of 10 ReLU neurons; 4 widths x 5 seeds, full-batch GD.
problem benchmark_sweep

let d = 20

input x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 10, activation = relu, seed = 1)
space barron

data { n = 1000   n_test = 10000 }

model net = two_layer(width = 16, activation = relu, scaling = standard)

train net { loss = mse   optimizer = gd(lr = 0.1)   steps = 2000 }

sweep { width = [16, 64, 256, 1024]   seed = 0..4 }

report { bounds   rates over width   plot test_error vs width }
