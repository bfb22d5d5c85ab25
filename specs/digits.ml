# A real two-class data set that ships inside a package: scikit-learn's 8 x 8 handwritten digits, 3 against 8
# (357 images; the inputs are the 64 pixels / 16 in [0, 1], the labels +1 for a 3 and -1 for an 8). A fixed
# split (data seed 0) of 30 training and 300 test images; with the logistic loss the errors are
# misclassification rates. Needs scikit-learn: pip install -e '.[datasets]'.
problem digits

input x ~ digits(3, 8)
target f* = labels
space barron

data { n = 30   n_test = 300   seed = 0 }

model net = two_layer(width = m, activation = relu, scaling = standard)

train net { loss = logistic   optimizer = adam(lr = 1e-2)   steps = 300 }

sweep { m = [4, 16, 64]   seed = 0..1 }

report { summary = median   plot test_error vs m }
