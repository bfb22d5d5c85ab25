# Reproduces: the review's Fig. 10 (§5.6; REFERENCE §3.10 "Adam regimes", §5.1 Fig. 10; Ma & Ying, "A qualitative
# study of the dynamic behavior of adaptive gradient algorithms"): with β₁ = 1 − bη and β₂ = 1 − aη, full-batch
# Adam on a quadratic loss shows three behaviours: spikes (b ≫ a; the default β₁ = 0.9, β₂ = 0.999 at η = 1e-3 is
# a = 1, b = 100), small oscillation (a ≈ b) and large oscillation (a ≫ b).
# Reduced: 2 CIFAR-10 classes with 1000 images each and a 256-128-64 ReLU net -> scikit-learn's 8 x 8 digits 3
# vs 8 (64 pixels / 16, labels ±1, 300 training images, data seed 0) and a 64-64-64 ReLU net; η = 1e-3 as
# published, 4000 steps instead of 1000 (on this small, easy data the default Adam's loss falls smoothly for
# about 2000 steps before its spikes start); 2 seeds. The regime is read from the recorded training loss.
problem adam_regimes

let eta = 1e-3

input x ~ digits(3, 8)
target f* = labels
space barron

data { n = 300   n_test = 57   seed = 0 }

model net = deep(width = 64, depth = 3, activation = relu, scaling = standard)

train net {
  loss      = mse
  optimizer = adam(lr = eta, betas = [1 - b * eta, 1 - a * eta])
  steps     = 4000
  record    = every 2: train_loss
}

sweep zip { a = [1, 10, 100]   b = [100, 10, 1] }
sweep { seed = 0..1 }

report { plot train_loss vs step }

claims {
  regime of train_loss is spikes at a = 1
  regime of train_loss is small_oscillation at a = 10
  regime of train_loss is large_oscillation at a = 100
}
