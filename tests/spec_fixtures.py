"""Small specs shared by the execution and store tests (a few seconds of training each)."""

# Two widths x two seeds of a two-layer net on a teacher, 20 GD steps: the fast path, one group.
TINY_SPEC = """problem tiny
let d = 3
input  x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 3, activation = relu, seed = 1)
space  barron
data { n = 40   n_test = 100 }
model net = two_layer(width = 8, activation = relu, scaling = standard)
train net {
  loss      = mse
  optimizer = gd(lr = 0.1)
  steps     = 20
  record    = every 10: train_error, test_error
}
sweep { width = [4, 8]   seed = 0..1 }
report { bounds }
"""
