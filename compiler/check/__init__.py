"""Semantic checking: AST -> resolved sections of the IR, for one assignment of the swept values.

Input:  a parsed :class:`~mlc.dsl.ast.Spec`.
Output: a :class:`Checker` that knows the spec's statements and, through :meth:`Checker.resolve`, turns one
        point of the sweep into IR objects. Problems become diagnostics (E1xx names, E2xx types and ranges,
        E3xx combinations), several per run, each built by :mod:`mlc.compiler.messages`.
Role:   everything about *meaning*, as passes, one module each:

* :mod:`~mlc.compiler.check.collect`  statements by kind, duplicates, missing statements;
* :mod:`~mlc.compiler.check.values`   constants in scope, a setting's value against its type and range;
* :mod:`~mlc.compiler.check.problem`  `input`, `target`, `space`;
* :mod:`~mlc.compiler.check.model`    `data` and `model`;
* :mod:`~mlc.compiler.check.train`    `train` blocks;
* :mod:`~mlc.compiler.check.report`   `report`;
* :mod:`~mlc.compiler.check.rules`    the combination rules, as tables;
* :mod:`~mlc.compiler.check.tables`   the vocabularies and settings tables;
* :mod:`~mlc.compiler.check.checker`  the order of the passes at one sweep point.

Sweep expansion lives in :mod:`mlc.compiler.sweep`.
"""

from mlc.compiler.check.checker import Checker, Resolved
from mlc.compiler.check.schema import KeySpec
from mlc.compiler.check.tables import (ACTIVATIONS, CATEGORICAL_SLOTS, DATA_KEYS, DISTRIBUTIONS, DOMAINS,
                                       INTEGER_SLOTS, LOSSES, METRICS, MODEL_KEYS, OPTIMIZER_KEYS,
                                       OPTIMIZERS, PENALTIES, REPORT_KEYS, SCALINGS, SOLVES, SPACES, SWEEPABLE_SLOTS,
                                       TRAIN_KEYS)
from mlc.compiler.check.values import Point

__all__ = ["ACTIVATIONS", "CATEGORICAL_SLOTS", "DATA_KEYS", "DISTRIBUTIONS", "DOMAINS",
           "INTEGER_SLOTS", "LOSSES", "METRICS", "MODEL_KEYS", "OPTIMIZERS", "OPTIMIZER_KEYS", "PENALTIES",
           "REPORT_KEYS", "SCALINGS", "SOLVES", "SPACES", "SWEEPABLE_SLOTS", "TRAIN_KEYS", "Checker", "KeySpec",
           "Point", "Resolved"]
