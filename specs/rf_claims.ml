# Claims written in the spec and checked by `mlc compile-and-run` (docs/language.md, `claims`): min-norm random
# features around the interpolation threshold m = n (REFERENCE T19). The test error and the norm of the
# solution peak at m = n; past it the model interpolates the noisy training labels; and, the ReLU being positively
# homogeneous and the features having no bias, scaling the inner weights rescales the min-norm outer weights
# and leaves the predictions, hence the error, unchanged.
problem rf_claims

let d = 10

input x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 10, activation = relu, seed = 3)

data { n = 100   n_test = 500   noise = 0.05 }

model mn = random_features(width = m, activation = relu, bias = false, features = nested, init_scale = s)

train { solve = min_norm }

sweep { m = [25, 50, 90, 100, 110, 200, 400]   s = [0.5, 3]   seed = 0..2 }

report { summary = median   plot test_error vs m   mark m = n }

claims {
  peak of test_error over m at m = n within 1 step
  peak of rkhs_norm over m at m = n within 1 step
  train_loss < 1e-6 at m = 400
  test_error insensitive to s within 1%
}
