"""The metric registry: every quantity a run measures, and the rules about it, in one table.

Input:  nothing (a table).
Output: :data:`METRICS` (name -> :class:`Metric`: kind, unit, whether it is an error, display rank, the
        model families it is defined for, whether it can be recorded, stopped on, needs a grid input) and
        lookups over it.
Role:   the one answer to "is this metric defined for this model?" and "how is it shown?". The checker
        (which metrics a spec may record, plot or stop on), the lowering's measurement (which norms it
        computes for a family) and the report (ordering of columns, errors vs norms in the tables, default
        plots and rate fits) all read it, so that two stages cannot disagree (issue 7, bug 7: the path norm
        of a deep model, REFERENCE §2.5, is defined, and both the checker and the measurement say so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Literal

from mlc.compiler import families

MetricKind = Literal["error", "raw_error", "loss", "norm", "distance", "spectrum", "diagnostic", "solver"]


@dataclass(frozen=True)
class Metric:
    """One measured quantity.

    ``rank`` orders columns (test_error first); metrics of equal rank are ordered by name. ``per_family``: the
    metric is defined only for the families whose descriptor lists it (``Family.norms``,
    ``Family.diagnostics``, in ``mlc.compiler.families``); the others are defined for every family. ``recordable``: may be named in
    ``record = every N: ...`` (and plotted); ``stoppable``: may be the metric of an ``until`` rule;
    ``needs_grid``: defined only for a 1-D grid input; ``per_frequency``: measured as ``<name>_k<k>``.
    """

    name: str
    kind: MetricKind
    unit: str
    doc: str
    rank: int = 10
    per_family: bool = False
    recordable: bool = True
    stoppable: bool = False
    needs_grid: bool = False
    per_frequency: bool = False

    @property
    def is_error(self) -> bool:
        """Whether this is an error of the learned function (shown first, fitted in the rates)."""
        return self.kind == "error"

    def applies_to(self, family: str) -> bool:
        """Whether the metric is defined for a model of ``family`` (a registered family's name)."""
        if not self.per_family:
            return True
        descriptor = families.get(family)
        return self.name in descriptor.norms or self.name in descriptor.diagnostics

    def defined_for(self) -> tuple[str, ...]:
        """The registered families the metric is defined for."""
        return tuple(f for f in families.names() if self.applies_to(f))


_ERROR_UNIT = "MSE against the clean target (the misclassification rate with the logistic loss)"

METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("test_error", "error", _ERROR_UNIT, "error on the test inputs, predictions clipped to [-B, B]",
           rank=0, stoppable=True),
    Metric("train_error", "error", _ERROR_UNIT, "error on the training inputs, clipped as test_error",
           rank=1, stoppable=True),
    Metric("test_error_raw", "raw_error", _ERROR_UNIT, "test_error without the clipping", rank=2),
    Metric("train_error_raw", "raw_error", _ERROR_UNIT, "train_error without the clipping", rank=3),
    Metric("train_loss", "loss", "the training loss on the noisy labels", "the loss, without the penalty",
           stoppable=True),
    Metric("path_norm", "norm", "the model's own scaling (REFERENCE §2.1, §2.5)",
           "l1 path norm sum_k |a_k|(||w_k||_1 + |c_k|); for deep nets the sum over all paths",
           per_family=True),
    Metric("weighted_path_norm", "norm", "the model's own scaling (REFERENCE §2.4)",
           "ResNet weighted path norm of E-Ma-Wang", per_family=True),
    Metric("rkhs_norm", "norm", "the normalised form of REFERENCE §2.3", "RKHS norm of the trained features",
           per_family=True),
    Metric("param_distance", "distance", "l2 norm over the trained parameters", "||theta_t - theta_0||_2"),
    Metric("spectrum", "spectrum", "relative error of the Fourier coefficient",
           "|F(f)[k] - F(f*)[k]| / |F(f*)[k]| at the target's peak frequencies k", needs_grid=True,
           per_frequency=True),
    Metric("lambda_min", "diagnostic", "eigenvalue of Phi^T Phi / n",
           "smallest nonzero eigenvalue of the drawn features' Gram matrix (final only)",
           per_family=True, recordable=False),
    Metric("penalty_term", "diagnostic", "the objective's units", "the penalty λ·c·‖θ‖ of the trained parameters",
           recordable=False),
    Metric("penalty_term_init", "diagnostic", "the objective's units", "the penalty λ·c·‖θ‖ at initialisation",
           recordable=False),
    Metric("zero_predictor_mse", "diagnostic", _ERROR_UNIT, "test error of the zero predictor, mean f*² on the "
           "test inputs", recordable=False),
    Metric("constant_predictor_mse", "diagnostic", _ERROR_UNIT, "test error of the best constant predictor (the mean "
           "of f* on the test inputs), mean (f* − mean f*)² there", recordable=False),
    Metric("flow_nfe", "solver", "gradient evaluations of the ensemble", "the ODE solver's function evaluations "
           "of `optimizer = flow(...)` (one solve per training group; final only)", recordable=False),
    Metric("clip_bound", "diagnostic", "the target's units", "B of the clipped errors: max(1, sup |f*|) over the "
           "input law's support (inf when f* is unbounded there)", recordable=False),
)}

_PER_FREQUENCY = re.compile(r"^(?P<base>.+)_k\d+$")


def lookup(name: str) -> Metric | None:
    """The registry entry of a measured name: ``spectrum_k3`` is the ``spectrum`` metric."""
    found = METRICS.get(name)
    if found is None and (match := _PER_FREQUENCY.match(name)):
        base = METRICS.get(match.group("base"))
        if base is not None and base.per_frequency:
            return base
    return found


def recordable() -> tuple[str, ...]:
    """The metrics a spec may record or plot, in registry order."""
    return tuple(m.name for m in METRICS.values() if m.recordable)


def stoppable() -> tuple[str, ...]:
    """The metrics an ``until`` rule may name."""
    return tuple(m.name for m in METRICS.values() if m.stoppable)


def is_error(name: str) -> bool:
    """Whether ``name`` is an error metric (unknown names are not)."""
    metric = lookup(name)
    return metric is not None and metric.is_error


def is_norm(name: str) -> bool:
    """Whether ``name`` is a norm of the trained parameters."""
    metric = lookup(name)
    return metric is not None and metric.kind == "norm"


def applies(name: str, family: str) -> bool:
    """Whether metric ``name`` is defined for a model of ``family`` (unknown names: no)."""
    metric = lookup(name)
    return metric is not None and metric.applies_to(family)


def display_order(names: Iterable[str]) -> list[str]:
    """``names`` without repeats, by registry rank, then by name (names the registry does not know last)."""
    def key(name: str) -> tuple[int, str]:
        metric = lookup(name)
        return (metric.rank if metric is not None else 99, name)

    return sorted(dict.fromkeys(names), key=key)
