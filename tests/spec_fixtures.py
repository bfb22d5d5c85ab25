"""Small specs shared by the execution and store tests (a few seconds of training each)."""

def teacher_spec(problem: str = "tiny", *, optimizer: str = "gd(lr = 0.1)", steps: int | str = 20,
                 record: str = "every 10: train_error, test_error",
                 sweep: str = "width = [4, 8]   seed = 0..1") -> str:
    """A two-layer ReLU net learning a width-3 teacher on the sphere in d = 3 (n = 40): the spec the execution,
    store and executor tests vary (the optimizer decides the engine: gd is the fast path, sgd autograd)."""
    return f"""problem {problem}
let d = 3
input  x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 3, activation = relu, seed = 1)
space  barron
data {{ n = 40   n_test = 100 }}
model net = two_layer(width = 8, activation = relu, scaling = standard)
train net {{
  loss      = mse
  optimizer = {optimizer}
  steps     = {steps}
  record    = {record}
}}
sweep {{ {sweep} }}
report {{ bounds }}
"""


# Two widths x two seeds of a two-layer net on a teacher, 20 GD steps: the fast path, one group.
TINY_SPEC = teacher_spec()
