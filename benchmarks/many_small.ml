# The second benchmark sweep of docs/performance.md: many small runs. Two-layer ReLU nets on the sphere S^9
# (d = 10) learning a fixed random teacher of 10 ReLU neurons; 4 widths x 10 seeds x 3 learning rates = 120
# runs, full-batch GD, 1000 steps. Per-configuration loops are bound by per-op overhead here, not by FLOPs.
problem benchmark_many_small

let d = 10

input x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 10, activation = relu, seed = 1)
space barron

data { n = 500   n_test = 2000 }

model net = two_layer(width = 8, activation = relu, scaling = standard)

train net { loss = mse   optimizer = gd(lr = 0.1)   steps = 1000 }

sweep { width = [8, 16, 32, 64]   seed = 0..9   lr = [0.05, 0.1, 0.2] }

report { bounds   rates over width   plot test_error vs width }
