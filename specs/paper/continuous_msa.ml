# Reproduces: the review's proposal of new training algorithms from the continuous (control) formulation of a
# ResNet (arXiv 2009.10713; REFERENCE §2.4, §5.1 "continuous formulation"): training by Pontryagin's maximum
# principle, the extended method of successive approximations (E-MSA) of Li, Chen, Tai & E, "Maximum principle
# based algorithms for deep learning", JMLR 18 (2018). Each MSA iteration is a state pass, a co-state pass and
# `inner_steps` ascent steps on every layer's extended Hamiltonian (docs/msa.md).
# Expected: E-MSA and GD on the same scaled ResNet (same init and data) both fit the training set, to
# comparable training losses; an MSA iteration costs several GD steps (`wall_time_s / steps_done` per run).
# Reduced from the paper's classification experiments (MNIST-type data, deeper ResNets, minibatched MSA) to a
# smooth regression target in d = 3, n = 100, a tanh ResNet of 4 blocks of width 12 (state width 5), full-batch
# training for 300 iterations of each method, three seeds; ρ and the inner step are chosen at this size (ρ = 1,
# lr = 0.1, 5 inner steps); GD at lr = 0.2 (at 0.3 and 0.5 its loss jumped up and down; 0.5 diverged once).
problem continuous_msa

let d = 3

input x ~ uniform(cube(d))
target f*(x) = sin(2 * x[1]) * x[2] + 0.5 * x[3]
space flow(norm <= 4)  # declared: no inference rule covers this product

data { n = 100   n_test = 500 }

model res = resnet(width = 12, depth = 4, state_width = 5, activation = tanh)

train res { loss = mse   steps = 300   record = every 50: train_loss, test_error }

sweep { optimizer = [msa(lr = 0.1, rho = 1, inner_steps = 5), gd(lr = 0.2)]   seed = 0..2 }

report { plot train_loss vs step }

claims {
  train_loss < 0.02  # both methods fit (the initial loss is 0.27 to 1.6 over the seeds); a claim over the
  # optimizer axis ("insensitive to optimizer") is not possible: claims speak about numeric axes only
}
