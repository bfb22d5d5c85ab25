problem files
input x~file("train.npz",dim=3)   # rows of x
target f*(x)=relu(x[1])
model net=two_layer(width=8)
