"""The model families and their public registry.

Input:  :class:`~mlc.compiler.families.base.Family` descriptors (one module per family; built-ins below).
Output: :func:`register`, :func:`get`, :func:`of`, :func:`names`: the one place that says which families exist.
Role:   replace the ``family == "..."`` tests of the checker, the conventions, the lowering and the theory by
        questions to the family's descriptor (its settings, widths and fan-in, trained parameters, norms,
        penalties, closed forms, fast-path capability, theory tags, init, forward). Adding a family is one
        module that subclasses ``Family`` and calls :func:`register` (docs/families.md).

Torch-free: the descriptors import torch only inside their lowering methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlc.compiler.families.base import Family, FastPath, Params
from mlc.compiler.families.deep import FAMILY as DEEP
from mlc.compiler.families.random_features import FAMILY as RANDOM_FEATURES
from mlc.compiler.families.resnet import FAMILY as RESNET
from mlc.compiler.families.two_layer import FAMILY as TWO_LAYER

if TYPE_CHECKING:
    from mlc.compiler import ir

__all__ = ["Family", "FastPath", "Params", "get", "names", "of", "register", "unregister"]

_REGISTRY: dict[str, Family] = {}


def register(family: Family) -> Family:
    """Make ``family`` available to specs (``model net = NAME(...)``) and to every stage. Returns it."""
    name = family.name
    if not name.isidentifier():
        raise ValueError(f"a family name must be an identifier, not {name!r}")
    if name in _REGISTRY and _REGISTRY[name] is not family:
        raise ValueError(f"a family named {name!r} is already registered")
    _REGISTRY[name] = family
    return family


def unregister(name: str) -> None:
    """Remove a registered family (for a plug-in's teardown)."""
    _REGISTRY.pop(name, None)


def get(name: str) -> Family:
    """The registered family called ``name`` (KeyError if there is none)."""
    return _REGISTRY[name]


def of(model: ir.Model) -> Family:
    """The family of a model."""
    return _REGISTRY[model.family]


def names() -> tuple[str, ...]:
    """The registered family names, in registration order."""
    return tuple(_REGISTRY)


for _family in (RANDOM_FEATURES, TWO_LAYER, RESNET, DEEP):
    register(_family)
