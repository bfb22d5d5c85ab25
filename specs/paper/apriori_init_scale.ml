# Reproduces: the a priori estimates' init-scale experiment (E, Ma & Wu, arXiv 1810.06397; the authors' code
# leiwu0308/genErrTwoLayer, script/mnist_init.sh; REFERENCE §5.2 "A priori estimates", T5): a two-layer ReLU net
# trained with a path-norm penalty has a test error that does not depend on the initialisation scale, while the
# unregularised net's degrades as the init grows (the authors: ≈90.5% flat against 93% → 53% at κ = 30).
# Reduced: MNIST 3 vs 8 (784 pixels) -> scikit-learn's 8 x 8 digits 3 vs 8 (64 pixels / 16, labels ±1, a fixed
# split of 200 train and 157 test images, data seed 0); width 10000 -> 128; n = 100 with batch 10 over 2000
# epochs -> full-batch Adam (lr 1e-2), 1000 steps; κ ∈ {0.01 … 50} (a variance factor) -> init_scale (a factor
# on every layer's std) ∈ {0.5, 1, 2, 4}: at 10 neither net learns in 1000 steps; the test error is the MSE against
# the ±1 labels, not the accuracy; λ = 0.05 on the MSE (the authors: λ·sqrt(log10(d)/n)); 2 seeds.
problem apriori_init_scale

input x ~ digits(3, 8)
target f* = labels
space barron

data { n = 200   n_test = 157   seed = 0 }

model reg = two_layer(width = 128, activation = relu, scaling = standard, init_scale = s)
model plain = two_layer(width = 128, activation = relu, scaling = standard, init_scale = s)

train reg {
  loss      = mse
  penalty   = path_norm(lambda = 0.05)
  optimizer = adam(lr = 1e-2)
  steps     = 1000
}
train plain { loss = mse   optimizer = adam(lr = 1e-2)   steps = 1000 }

sweep { s = [0.5, 1, 2, 4]   seed = 0..1 }

report { summary = median   plot test_error vs s }

claims { test_error insensitive to s within 25% for reg }
