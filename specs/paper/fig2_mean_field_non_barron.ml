# Reproduces: the review's Fig. 2, non-Barron panel (§5.1; REFERENCE §5.1 Fig. 2, §3.7 T17, V-abs 2005.10815):
# mean-field GD on a target outside Barron space slows down as d grows (the curse of dimensionality, T17).
# The replication's "non-Barron" ReLU((Σx_k − d/2)/√d) is in Barron space (norm ~ √d, REFERENCE §5.1), so this
# spec uses |‖x‖ − 1|, whose singular set is curved (in W², not Barron; as specs/mean_field_cod.ml). Slow: the
# numerical estimate of its norm (compiler/lower/norm_fit.py, no rule applies) takes most of the run time.
# Reduced as fig2_mean_field_barron.ml: m = 128, n = 1000, d = 5/10/20, 600 steps.
# The claim is the paper's: the test error's rate (its log-log slope over the recorded steps from step 100)
# gets shallower at each larger d. It FAILS at this size (docs/reproduce.md): slopes -0.35, -1.11, -0.80 at
# d = 5, 10, 20 (at n = 200: -0.35, -0.53, -0.37). Why: on [-1, 1]^d the inputs' norm concentrates near
# √(d/3) (mean 1.26, 1.81, 2.57, sd 0.26; inputs with ‖x‖ < 1: 16%, 0.2%, none), so the kink ‖x‖ = 1 lies inside
# the data only at d = 5, where the width-128 net levels off (test error 0.013); at d = 10 and 20 the target is
# the smooth ‖x‖ − 1 on nearly all the data and is learned fast (0.005, 0.011). Putting the
# kink at the data's radius (|‖x‖ − √(d/3)|, tried) makes the net learn nothing at d = 10 and 20 in 600 steps
# (the test error stays at the best constant's), which says nothing about a rate either. Not tested here:
# the paper's sizes (d = 30-250, m = 2000, 3250 steps) with a target whose kink meets the data in every d.
problem fig2_mean_field_non_barron

let d = 10

input x ~ uniform(cube(d))
target f*(x) = abs(norm(x) - 1)
space multilayer(2)

data { n = 1000   n_test = 1000 }

model mf = two_layer(width = 128, activation = relu, scaling = mean_field)

train mf {
  loss      = mse
  optimizer = gd(lr = 0.5)
  steps     = 600
  record    = every 50: train_error, test_error
}

sweep { d = [5, 10, 20]   seed = 0..1 }

report { plot test_error vs step   plot test_error vs d }

claims { slope of test_error over step increases with d from step 100 }
