"""Lowering of the typed IR to torch.

Input:  IR objects from ``mlc.compiler.ir`` (targets, input distributions, models, training settings).
Output: torch functions, seeded data, ensemble parameters and training engines.
Role:   everything that turns a resolved :class:`~mlc.compiler.ir.Run` into tensors. Modules:

* ``samplers``     seeded input samplers and the data set of a run;
* ``targets``      the target f* (formula Expr IR or teacher network) as a torch function;
* ``families``     the four model families with a leading ensemble axis, their norms;
* ``losses``       mse, half_mse, logistic;
* ``penalties``    path norm, weighted path norm, RKHS norm, weight decay (normalised as in their theorems);
* ``optimizers``   gd / sgd / adam acting on ensemble tensors with per-member learning rates;
* ``ensemble``     the general autograd ensemble trainer (any family, any optimizer);
* ``fastpath``     the packed manual-gradient trainer for two_layer / random_features with full-batch GD;
* ``closed_forms`` min-norm, ridge and exact-GD solutions of random-feature models;
* ``grouping``     which runs of a plan train together.

See docs/lowering.md for every convention (seeds, initialisation, scalings, normalisations).
"""
