"""The combination rules: which settings make sense together, as tables read by the section passes.

Input:  resolved IR pieces (a model, a training, the data, the input) and the spans of the settings.
Output: diagnostics (E301 combinations that make no sense, E202 a batch larger than n) or nothing.
Role:   one place for every rule that relates two settings, so that a rule is a row, not a branch hidden in
        a pass. The per-family rows (what a penalty is defined for) are the part that a family registry will
        provide; what a metric is defined for is the metric registry's (``mlc.compiler.metrics``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from mlc.compiler import families, ir, metrics
from mlc.compiler import messages as msg
from mlc.dsl.diagnostics import Diagnostic, Span

NORM_PENALTIES: dict[str, str] = {
    "path_norm": "the path norm is defined for two-layer nets; for random features use `rkhs_norm`, for ResNets "
                 "`weighted_path_norm`",
    "rkhs_norm": "the RKHS norm is the norm of the random feature model",
    "weighted_path_norm": "the weighted path norm is defined for ResNets",
}
"""The penalties that are the norm of one kind of model, with the help shown when the model's family does not
list it (``Family.penalties`` says which family may use which). Weight decay fits any family."""

NOT_FOR_FAMILY_HELP: dict[str, str] = {
    "depth": "a two-layer net has one hidden layer; for more use `deep` or `resnet`",
    "widths": "`widths` lists the hidden layers of a `deep` model",
}
"""Why a model setting does not apply to a family (the default help lists the family's settings)."""

RIDGE_PENALTIES = ("rkhs_norm", "weight_decay")


@dataclass(frozen=True)
class Training:
    """What a training rule reads: the model, its resolved training, the data, the input, and where each
    setting of the train block is written (a rule points at the setting that breaks it)."""

    model: ir.Model
    train: ir.Train
    data: ir.Data
    input: ir.InputDist
    spans: Mapping[str, Span]  # train setting -> span ("optimizer", "solve", ...)


def _solve_family(t: Training) -> Diagnostic | None:
    if t.train.solve != "gd" and t.train.solve not in families.of(t.model).closed_forms:
        owners = [f for f in families.names() if t.train.solve in families.get(f).closed_forms]
        return msg.solve_needs_random_features(t.train.solve, t.model.name, t.model.family, t.spans["solve"], owners)
    return None


def _ridge_penalty(t: Training) -> Diagnostic | None:
    if t.train.solve == "ridge" and t.train.penalty.kind not in RIDGE_PENALTIES:
        return msg.ridge_needs_penalty(t.spans["solve"])
    return None


def _batch_within_n(t: Training) -> Diagnostic | None:
    optimizer = t.train.optimizer  # None for a closed-form solve
    batch = optimizer.batch if optimizer is not None else None
    if optimizer is not None and optimizer.kind == "sgd" and batch is not None and batch > t.data.n:
        return msg.batch_larger_than_n(batch, t.data.n, t.spans.get("optimizer"))
    return None


MSA_PENALTIES = ("none", "weight_decay")
"""The penalties that are a sum over layers, which the method of successive approximations maximises apart."""


def _msa(t: Training) -> Diagnostic | None:
    optimizer = t.train.optimizer
    if optimizer is None or optimizer.kind != "msa":
        return None
    if not families.of(t.model).layered:
        owners = [f for f in families.names() if families.get(f).layered]
        return msg.msa_needs_layered_model(t.model.name, t.model.family, t.spans.get("optimizer"), owners)
    if t.train.penalty.kind not in MSA_PENALTIES:
        return msg.msa_penalty_couples_layers(t.train.penalty.kind, t.spans.get("penalty"))
    if optimizer.rho == 0:
        return msg.msa_rho_zero(t.spans.get("optimizer"))
    return None


FLOW_NON_SMOOTH_PENALTIES = ("path_norm", "weighted_path_norm")
"""Penalties whose gradient jumps (sums of |a_k| ‖b_k‖): an adaptive ODE solver cannot step across them."""


def _flow_smooth(t: Training) -> Diagnostic | None:
    if t.train.flow and t.train.penalty.kind in FLOW_NON_SMOOTH_PENALTIES:
        return msg.flow_non_smooth_penalty(t.train.penalty.kind, t.spans.get("penalty"))
    return None


TRAINING_RULES: tuple[tuple[str, Callable[[Training], Diagnostic | None]], ...] = (
    ("a closed-form solve needs a random feature model", _solve_family),
    ("solve = ridge needs a ridge penalty", _ridge_penalty),
    ("an sgd batch is at most n", _batch_within_n),
    ("msa trains a layered model, with a penalty that is a sum over layers and rho > 0", _msa),
    ("a flow needs a smooth penalty", _flow_smooth),
)
"""Rules on a resolved training: (what it says, the check). Each returns a diagnostic when broken."""


def check_training(t: Training) -> list[Diagnostic]:
    """Every training rule broken by ``t``."""
    return [d for _, rule in TRAINING_RULES if (d := rule(t)) is not None]


def penalty_for_family(kind: str, family: str, span: Span) -> Diagnostic | None:
    """A penalty on a family it is not defined for."""
    if kind in NORM_PENALTIES and kind not in families.get(family).penalties:
        return msg.penalty_not_for_family(kind, family, span, NORM_PENALTIES[kind])
    return None


def metric_for_family(metric: str, family: str, span: Span) -> Diagnostic | None:
    """A recorded metric that is not defined for the model's family (the metric registry says)."""
    entry = metrics.METRICS[metric]
    if not entry.applies_to(family):
        return msg.metric_not_for_family(metric, family, span, entry.defined_for())
    return None


def metric_for_input(metric: str, dist: ir.InputDist, span: Span) -> Diagnostic | None:
    """A recorded metric that needs a 1-D grid input (the spectrum)."""
    if metrics.METRICS[metric].needs_grid and dist.kind != "grid":
        return msg.spectrum_needs_grid(span)
    return None
