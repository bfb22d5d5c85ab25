# Reproduces: the review's Fig. 2, non-Barron panel (§5.1; REFERENCE §5.1 Fig. 2, §3.7 T17, V-abs 2005.10815):
# mean-field GD on a target outside Barron space slows down as d grows (the curse of dimensionality, T17).
# The replication's "non-Barron" ReLU((Σx_k − d/2)/√d) is in Barron space (norm ~ √d, REFERENCE §5.1), so this
# spec uses |‖x‖ − 1|, whose singular set is curved (in W², not Barron; as specs/mean_field_cod.ml). Slow: the
# numerical estimate of its norm (compiler/lower/norm_fit.py, no rule applies) takes most of the run time.
# Reduced as fig2_mean_field_barron.ml: m = 128, n = 200, d = 5/10/20, 600 steps.
problem fig2_mean_field_non_barron

let d = 10

input x ~ uniform(cube(d))
target f*(x) = abs(norm(x) - 1)
space multilayer(2)

data { n = 200   n_test = 1000 }

model mf = two_layer(width = 128, activation = relu, scaling = mean_field)

train mf {
  loss      = mse
  optimizer = gd(lr = 0.5)
  steps     = 600
  record    = every 50: train_error, test_error
}

sweep { d = [5, 10, 20]   seed = 0..1 }

report { plot test_error vs step   plot test_error vs d }
