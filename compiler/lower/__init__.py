"""Lowering of the typed IR to torch.

Input:  IR objects from ``mlc.compiler.ir`` (targets, input distributions, models, training settings).
Output: torch functions, seeded data, ensemble parameters and training engines.
Role:   everything that turns a resolved :class:`~mlc.compiler.ir.Run` into tensors. Modules:

* ``samplers``     seeded input samplers and the data set of a run;
* ``targets``      the target f* (formula Expr IR or teacher network) as a torch function;
* ``families``     calls to a run's family (``mlc.compiler.families``: init, forward, norms) on ensembles;
* ``losses``       mse, half_mse, logistic;
* ``penalties``    path norm, weighted path norm, RKHS norm, weight decay (normalised as in their theorems);
* ``optimizers``   gd / sgd / adam acting on ensemble tensors with per-member learning rates;
* ``ensemble``     the general autograd ensemble trainer (any family, any optimizer);
* ``fastpath``     the packed manual-gradient trainer for families with a fast path, full-batch GD
                   (``fastpath_rows``: its row workers);
* ``closed_forms`` min-norm, ridge and exact-GD solutions of random-feature models;
* ``grouping``     which runs of a plan train together;
* ``blocks``       (torch-free) the rows per block of the trainers and the measurement, read by the resource plan;
* ``measure``      every measured metric; ``health`` (torch-free) what they say about the objective;
* ``norm_fit``     the theory's norm estimator: fits a target's norm when no rule gives it (torch only then).

See docs/lowering.md for every convention (seeds, initialisation, scalings, normalisations).
"""
