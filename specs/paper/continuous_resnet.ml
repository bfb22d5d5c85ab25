# Reproduces: the continuous formulation's claim for depth (REFERENCE §2.4, §5.1 last item; Ma–Wu–E 1912.12777):
# the scaled ResNet z + U s(Wz)/L (a flow in depth) is more robust to the hyper-parameters than the conventional
# z + U s(Wz). Qualitative target only (the review's figure could not be verified). Our setup: a ResNet of depth
# L = 8, block width 8, on ReLU(x_1) in d = 5, 300 full-batch GD steps, 4 learning rates × 3 init scales, one
# seed; the report's robustness summary and heat maps compare the two forms. Results: docs/continuous.md.
# Reduced to CPU size (the paper's sizes are unknown): n = 100, L = 8, block width 8, 300 GD steps, 24 runs.
# Measured at this size the claim fails (0/12 of the grid within 2x the best, against 1/12 for the conventional
# form, whose single good point beats every scaled one), although the scaled form diverges less (1 of 12 runs
# against 6) and its error spreads over 0.56 decades against 1.76: docs/continuous.md.
problem continuous_resnet

let d = 5

input x ~ uniform(cube(d))
target f*(x) = relu(x[1])
space barron

data { n = 100   n_test = 500 }

model net = resnet(width = 8, depth = 8)

train net { loss = mse   optimizer = gd(lr = 0.1)   steps = 300 }

sweep {
  depth_scaling = [none, one_over_L]
  lr            = [0.01, 0.03, 0.1, 0.3]
  init_scale    = [0.5, 1, 2]
}

report { robust_within = 2 }

claims { test_error more robust with depth_scaling = one_over_L than none }
