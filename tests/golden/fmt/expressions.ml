problem expressions
let d = 4
let a = (1 + 2) * 3
let b = -(a - 1) ^ 2 ** 3
let c = 2^-1 + +3 - -a
let e = ((a))
let lo = 1
input x ~ gaussian(d, std = 1/sqrt(d))
target f*(x) = sum(i in lo..d-1, x[i]**2) / (d) + max(x[1], 0, x[2]) - (x[3] - x[4])
space flow(norm<=4)
model net = two_layer(width = 2*d + 1)
train net { until train_error<=1e-6 max_steps = 10 }
sweep { lo = 1 .. 2 }
