problem golden

input  x ~ digits(3, 12)
target f* = labels
model net = two_layer(width = 16)
