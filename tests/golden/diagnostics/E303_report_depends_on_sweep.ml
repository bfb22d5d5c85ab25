problem golden

let d = 3

input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model net = two_layer(width = 16)
sweep { n = [100, 200] }
report { plot test_error vs n   mark n = n / 2 }
