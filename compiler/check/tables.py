"""The checker's tables: the names a spec may use and every setting with its type, range and default.

Input:  nothing (data only).
Output: the vocabularies (families, losses, penalties, ...), :class:`KeySpec` and the setting tables
        (:data:`MODEL_KEYS`, :data:`TRAIN_KEYS`, :data:`OPTIMIZER_KEYS`, :data:`DATA_KEYS`, :data:`REPORT_KEYS`),
        and what a sweep may set (:data:`SWEEPABLE_SLOTS`).
Role:   the checker's tables, derived from the settings schema (the IR fields, :mod:`.schema`); only what
        is the language's own is written here: the spellings of the input statement, the per-family settings
        and depths (one table, for the family registry to provide), teachers, and `max_steps`.
"""

from __future__ import annotations

import typing

from mlc.compiler import datasets, families, ir, metrics
from mlc.compiler.check.schema import KeySpec, field_settings

ACTIVATIONS: tuple[str, ...] = typing.get_args(ir.Activation)
SCALINGS: tuple[str, ...] = typing.get_args(ir.Scaling)
LOSSES: tuple[str, ...] = typing.get_args(ir.Loss)
PENALTIES: tuple[str, ...] = typing.get_args(ir.PenaltyKind)
OPTIMIZERS: tuple[str, ...] = typing.get_args(ir.Optimizer.model_fields["kind"].annotation)
SOLVES: tuple[str, ...] = typing.get_args(ir.Train.model_fields["solve"].annotation)
SPACES: tuple[str, ...] = typing.get_args(ir.Space.model_fields["kind"].annotation)
DATASETS = tuple(datasets.DATASETS)  # packaged labelled data sets: `input x ~ digits(3, 8)`
DISTRIBUTIONS = ("uniform", "gaussian", "grid", "file", *DATASETS)  # spellings of the `input` statement
DOMAINS = ("cube", "sphere", "ball")
METRICS = metrics.recordable()  # the metric registry decides; the checker only reads it
STOP_METRICS = metrics.stoppable()

MODEL_KEYS: dict[str, KeySpec] = field_settings(ir.Model)
DATA_KEYS: dict[str, KeySpec] = field_settings(ir.Data)
REPORT_KEYS: dict[str, KeySpec] = field_settings(ir.Report)
LAMBDA: KeySpec = field_settings(ir.Penalty)["lambda"]
OPTIMIZER_KEYS: dict[str, dict[str, KeySpec]] = {kind: field_settings(ir.Optimizer, kind) for kind in OPTIMIZERS}


def _train_keys() -> dict[str, KeySpec]:
    """The train block's settings: the IR's, and `max_steps`, the language's cap on an `until` training
    (it becomes ``steps`` in the IR, so it has its range)."""
    keys: dict[str, KeySpec] = {}
    for key, spec in field_settings(ir.Train).items():
        keys[key] = spec
        if key == "steps":
            keys["max_steps"] = KeySpec("int", None, spec.minimum, doc="the most steps of an `until` training",
                                        sweepable=True, shown_default="none")
    return keys


TRAIN_KEYS: dict[str, KeySpec] = _train_keys()



def family_keys() -> dict[str, tuple[str, ...]]:
    """Each registered family's model settings (its module says: ``Family.settings``)."""
    return {name: families.get(name).settings for name in families.names()}


def default_depths() -> dict[str, int]:
    """Each registered family's default depth (``Family.default_depth``)."""
    return {name: families.get(name).default_depth for name in families.names()}


def _teacher_keys() -> dict[str, KeySpec]:
    """A teacher's settings: the IR's (``ir.TeacherTarget``), with the given weights written `a`, `b`, `c` (they
    become ``weights`` in the IR) and ``normalize``'s own arguments apart (:data:`NORMALIZE_KEYS`)."""
    keys: dict[str, KeySpec] = {}
    for key, spec in field_settings(ir.TeacherTarget).items():
        if key == "weights":
            keys["a"] = KeySpec("floats", None, doc="given output weights a_k (k of them)", shown_default="drawn")
            keys["b"] = KeySpec("rows", None, doc="given inner weights: k rows of d numbers", shown_default="drawn")
            keys["c"] = KeySpec("floats", None, doc="given biases c_k (then `bias` is true)", shown_default="0")
            keys["weights"] = KeySpec("file", None, doc="given a, b (and c) from an .npz file", shown_default="drawn")
        else:
            keys[key] = spec
    return keys


TEACHER_KEYS: dict[str, KeySpec] = _teacher_keys()
NORMALIZE_KEYS: dict[str, KeySpec] = field_settings(ir.TeacherNormalize)
COUNT = KeySpec("int", minimum=1)  # a dimension, a depth L, an interval: a whole number ≥ 1
GRID_POINTS = KeySpec("int", minimum=2)

# What a sweep may set without naming a `let` constant, by section, from the schema's `sweepable`. Report
# settings are not sweepable: the report has one value for the whole sweep (issue 7, bug 3).
SWEEPABLE_SLOTS: dict[str, tuple[str, ...]] = {
    "data": tuple(k for k, s in DATA_KEYS.items() if s.sweepable),
    "model": tuple(k for k, s in MODEL_KEYS.items() if s.sweepable),
    "optimizer": tuple(dict.fromkeys(k for keys in OPTIMIZER_KEYS.values() for k, s in keys.items() if s.sweepable)),
    "penalty": ("lambda",) if LAMBDA.sweepable else (),
    "train": tuple(k for k, s in TRAIN_KEYS.items() if s.sweepable),
}
# What a categorical sweep may set (`sweep { optimizer = [sgd(lr = 0.1, batch = 50), adam(lr = 1e-3)] }`): the
# model's choices (its enum settings) and the training's structured settings. Each value is a setting's value.
CATEGORICAL_SLOTS: dict[str, tuple[str, ...]] = {
    "model": tuple(k for k, s in MODEL_KEYS.items() if s.kind == "enum"),
    "train": ("optimizer", "loss", "penalty"),
}
INTEGER_SLOTS: set[str] = {k for section in (DATA_KEYS, MODEL_KEYS, TRAIN_KEYS, *OPTIMIZER_KEYS.values())
                           for k, s in section.items() if s.kind == "int" and s.sweepable}
