"""Message kinds of the method of successive approximations (`optimizer = msa(...)`, docs/msa.md).

See :mod:`mlc.compiler.messages` for the catalogue's conventions.
"""

from __future__ import annotations

from typing import Iterable

from mlc.dsl.diagnostics import Span
from mlc.compiler.messages.registry import Parts, message_kind, choices_text

__all__ = ["msa_needs_layered_model", "msa_penalty_couples_layers", "msa_rho_zero", "msa_gradient_setting"]


@message_kind("E301")
def msa_needs_layered_model(model: str, family: str, span: Span | None, owners: Iterable[str]) -> Parts:
    return (f"`optimizer = msa` trains a network layer by layer (a ResNet); `{model}` is {family}", span,
            f"MSA maximises a Hamiltonian per layer between states: use a {choices_text(owners)} model, or "
            "gd, sgd or adam for this one")


@message_kind("E301")
def msa_penalty_couples_layers(kind: str, span: Span | None) -> Parts:
    return (f"`optimizer = msa` cannot train with a `{kind}` penalty: it couples the layers", span,
            "MSA maximises each layer's Hamiltonian on its own, which needs a penalty that is a sum over layers: "
            "use `penalty = weight_decay(lambda = ...)` or none")


@message_kind("E202")
def msa_rho_zero(span: Span | None) -> Parts:
    return ("`rho = 0` is the plain method of successive approximations, which diverges", span,
            "the extended MSA needs rho > 0 (its state and co-state penalties make it converge): e.g. `rho = 1`")


@message_kind("E301")
def msa_gradient_setting(key: str, span: Span, owners: list[str]) -> Parts:
    return (f"`msa` has no setting `{key}`: it belongs to {choices_text(owners)}", span,
            "each MSA iteration passes the whole training set forward (states) and backward (co-states), then "
            "maximises each layer's Hamiltonian by `inner_steps` ascent steps of size `lr`; its settings are "
            "lr, rho and inner_steps")
