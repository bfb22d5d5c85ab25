"""The conventions pass: every per-run convention decided once.

Input:  the resolved fields of one run (model, training, input distribution, data).
Output: an :class:`~mlc.compiler.ir.Conventions` block (stored as ``Run.conventions``).
Role:   the single place that fixes the effective learning rate of each parameter group, the output scale, the
        fan-in, the resolved widths and state width, d_eff, eps_n, the loss factor, the penalty's normalising
        constant, the closed-form ridge and the numeric lambda in each theorem's normalisation. The lowering
        (``compiler.lower``) and the theory (``compiler.theory``) read the block; neither re-derives it.
        Torch-free, so the front end runs it.

Conventions (REFERENCE §1, §2, §3; docs/lowering.md):
  * output scale 1 (standard), 1/sqrt(fan_in) (ntk), 1/fan_in (mean_field); fan_in is the width feeding the
    output layer (the family's rule: m, the ResNet state width D, or the last deep width);
  * under mean_field with gd/sgd/msa (and the flow, whose rate is that of lr = 1) the learning rate of every group
    is lr x fan_in (the particle time scale of REFERENCE T15); adam and the other scalings use lr itself;
  * d_eff = d + 1 with biases; eps_n = sqrt(2 ln(2 d_eff) / n);
  * loss factor k = 2 for mse, 1 for half_mse and logistic: the objective is k x (the L = MSE/2 objective);
  * penalties: lambda eps_n ||theta||_P (path norms, T5, T12), lambda sqrt(ln(2 d_eff)/n) ||theta||_H (RKHS,
    T9c slide form), lambda sum theta^2 (weight decay);
  * ``lambda = auto`` (path norm) is T5's lambda = 4 on L = MSE/2, i.e. 4 k on the spec's loss;
  * a closed-form ridge solves min loss + lambda ||a||_2^2, i.e. a = (Phi^T Phi + (2/k) n lambda I)^{-1} Phi^T y.
"""

from __future__ import annotations

import math

from mlc.compiler import families, ir

AUTO_LAMBDA = 4.0
"""T5's choice of lambda in J = L + lambda eps_n ||theta||_P with L = MSE/2 (``lambda = auto``)."""


def loss_factor(loss: str) -> float:
    """k of the loss (see the module docstring): 2 for mse, 1 for half_mse and logistic."""
    return 2.0 if loss == "mse" else 1.0


def auto_lambda(loss: str) -> float:
    """The numeric lambda that ``lambda = auto`` resolves to on ``loss`` (T5's 4 on MSE/2; 8 on mse)."""
    return AUTO_LAMBDA * loss_factor(loss)


def output_scale(scaling: str, fan: int) -> float:
    """The factor on the output layer for a scaling and an output fan-in."""
    return {"standard": 1.0, "ntk": 1.0 / math.sqrt(fan), "mean_field": 1.0 / fan}[scaling]


def effective_lr(model: ir.Model, optimizer: ir.Optimizer, fan: int) -> float:
    """The learning rate used: x fan_in under mean_field with gd/sgd (REFERENCE T15's particle time scale)."""
    if model.scaling == "mean_field" and optimizer.kind in ("gd", "sgd", "msa", "flow"):  # msa: its inner ascent is GD's step
        return optimizer.lr * fan
    return optimizer.lr


def penalty_factor(kind: str, d_eff: int, n: int) -> float:
    """The constant c in lambda * c * norm for each penalty kind (0 for ``none``)."""
    if kind in ("path_norm", "weighted_path_norm"):
        return math.sqrt(2.0 * math.log(2.0 * d_eff) / n)
    if kind == "rkhs_norm":
        return math.sqrt(math.log(2.0 * d_eff) / n)
    if kind == "weight_decay":
        return 1.0
    return 0.0


def theorem_lambdas(penalty: ir.Penalty, k: float, d: int, d_eff: int) -> dict[str, float]:
    """The spec's lambda written in the normalisation of the theorem about its penalty.

    * T5 (path norm): J = L + lambda eps_n ||theta||_P with L = MSE/2; the spec minimises k (L + (lam/k) eps_n ..),
      so T5's lambda is lam / k;
    * T9c (RKHS norm, lec5 form L + (tau/sqrt(n)) ||theta||_H): tau = lam sqrt(ln(2 d_eff)) / k;
    * T12 (weighted path norm, lambda (||theta|| + 1) sqrt(2 ln(2d)/n)): lam sqrt(ln(2 d_eff) / ln(2d)).
    """
    lam = penalty.lam
    if penalty.kind == "path_norm":
        return {"T5": lam / k}
    if penalty.kind == "rkhs_norm":
        return {"T9c": lam * math.sqrt(math.log(2 * d_eff)) / k}
    if penalty.kind == "weighted_path_norm":
        return {"T12": lam * math.sqrt(math.log(2 * d_eff) / math.log(2 * d))}
    return {}


def resolve(model: ir.Model, train: ir.Train, dist: ir.InputDist, data: ir.Data) -> ir.Conventions:
    """The conventions block of a run with these fields (see the module docstring). The widths, fan-in and
    trained parameters are the family's rules (``mlc.compiler.families``)."""
    d = dist.dim
    family = families.of(model)
    fan = family.fan_in(model, d)
    d_eff = d + 1 if model.bias else d
    k = loss_factor(train.loss)
    names = family.trained(model)
    lr: dict[str, float] = {}
    if train.optimizer is not None:
        step = effective_lr(model, train.optimizer, fan)
        lr = {name: step for name in names}
    elif train.solve == "gradient_flow":  # time t = lr x steps: the rate per unit of t is the lr of lr = 1
        step = effective_lr(model, ir.Optimizer(lr=1.0), fan)
        lr = {name: step for name in names}
    ridge = (2.0 / k) * data.n * train.penalty.lam if train.solve == "ridge" else None
    return ir.Conventions(
        lr=lr, trained=names, output_scale=output_scale(model.scaling, fan), fan_in=fan,
        widths=family.hidden_widths(model), state_width=family.state_width(model, d), d_eff=d_eff,
        eps_n=math.sqrt(2.0 * math.log(2.0 * d_eff) / data.n), loss_factor=k,
        penalty_factor=penalty_factor(train.penalty.kind, d_eff, data.n), ridge=ridge,
        theorem_lambda=theorem_lambdas(train.penalty, k, d, d_eff),
    )


def of(run: ir.Run) -> ir.Conventions:
    """A recomputation of ``run.conventions`` from the run's other fields (what ``verify`` compares)."""
    return resolve(run.model, run.train, run.input, run.data)


def refreshed(run: ir.Run, **updates: object) -> ir.Run:
    """``run`` with fields replaced and its conventions recomputed (``model_copy`` alone would keep stale ones)."""
    new = run.model_copy(update=updates)
    return new.model_copy(update={"conventions": of(new)})
