# Header comment, kept at the top.
# Second header line.

problem comments   # trailing on problem

# about the constants
let d = 5          # the dimension
let m = 16

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1] +   # a comment inside an expression
   x[2])
  # an indented full-line comment before space
space  barron

data {   # header comment of data
  n = 100
}

model net = two_layer(width = m,
   # a full-line comment inside a call
   activation = relu)

train net {
  # leading comment of loss
  loss = mse
  steps = 10   # trailing on steps

  # after a blank line
  optimizer = gd(lr = 0.1)
  # closing comment before the brace
}   # after the brace

sweep { m = [8, 16] }  # trailing on a one-line sweep

# last words
