"""The Family interface: what the compiler, the lowering and the theory need to know about a model family.

Input:  nothing (a base class; one module per family subclasses it, see ``compiler/families/__init__.py``).
Output: :class:`Family`, the descriptor of one model family, and :class:`FastPath`.
Role:   one place per family for its settings, its default depth, its widths and fan-in rule (read by
        ``compiler.conventions``), its trained parameters, the norms it defines, its closed-form solves, its
        fast-path capability and its theory tags (read by ``compiler.theory``), and its lowering: the
        initialisation, the forward pass (and, for a layered family, its stages) and the norms as torch functions.

The descriptor part is torch-free, so that the front end (check, fmt, compile, bounds) never loads torch. The
lowering methods (:meth:`Family.init`, :meth:`Family.forward`, :meth:`Family.norm`) import torch inside their
bodies: only training and measurement call them.

Parameters carry a leading ensemble axis E (``forward`` maps x (E, n, d) to (E, n)); ``init`` draws one member
(float64, CPU, no ensemble axis) from a seeded generator.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar

if TYPE_CHECKING:
    import torch

    from mlc.compiler import ir

Params = dict[str, "torch.Tensor"]

INIT_SETTINGS: tuple[str, ...] = ("init", "init_scales", "output_init", "seed")
"""The init settings every family accepts (``mlc.compiler.families.init``); ``bias_init`` is for families with
separate trained biases, ``features = nested`` for single-hidden-layer ones."""


@dataclass(frozen=True)
class FastPath:
    """The packed manual-gradient trainer (``compiler.lower.fastpath``) applies to f = scale sum_k a_k s(w_k.x~)
    with parameters ``W`` (E, m, d), ``c`` (E, m), ``a`` (E, m); ``inner_trained`` says whether W and c train."""

    inner_trained: bool


@dataclass(frozen=True)
class Stage:
    """One layer map of a forward pass split into stages x -> z_1 -> ... -> f (``Family.stages``): ``params``
    the (name, layer index or None for the whole tensor) of the parameters it owns, ``apply`` the map
    (its parameters by name, with the ensemble axis, and its input state) -> its output state. What the method
    of successive approximations (``optimizer = msa``, ``mlc.compiler.lower.msa``) maximises layer by layer."""

    params: tuple[tuple[str, int | None], ...]
    apply: Callable[[Params, "torch.Tensor"], "torch.Tensor"]


class Family(ABC):
    """One model family (subclass it and :func:`mlc.compiler.families.register` an instance).

    Class attributes: ``name`` (the word in ``model net = NAME(...)``), ``doc`` (one line for docs and
    diagnostics), ``settings`` (the model settings it accepts, names from the checker's schema), ``default_depth``,
    ``norms`` (the norm metrics it defines: path_norm, weighted_path_norm, rkhs_norm), ``diagnostics`` (other
    family-specific metrics, e.g. lambda_min), ``penalties`` (the norm
    penalties it may be trained with), ``closed_forms`` (solves other than ``gd``), ``fast_path`` and
    ``theory_tags`` (the catalog's theorems list the tags they are about; a family without tags gets none).
    """

    name: ClassVar[str]
    doc: ClassVar[str] = ""
    settings: ClassVar[tuple[str, ...]] = ("width", "activation", "scaling", "init_scale", "bias", *INIT_SETTINGS)
    default_depth: ClassVar[int] = 1
    norms: ClassVar[tuple[str, ...]] = ()
    diagnostics: ClassVar[tuple[str, ...]] = ()
    penalties: ClassVar[tuple[str, ...]] = ()
    closed_forms: ClassVar[tuple[str, ...]] = ()
    fast_path: ClassVar[FastPath | None] = None
    theory_tags: ClassVar[tuple[str, ...]] = ()
    layered: ClassVar[bool] = False
    """Whether :meth:`stages` splits the forward pass into layer maps (what ``optimizer = msa`` needs)."""

    # --- torch-free rules ------------------------------------------------------------------------

    def hidden_widths(self, model: ir.Model) -> tuple[int, ...]:
        """One width per hidden layer or block ((m,) for a single hidden layer)."""
        return (model.width,)

    def state_width(self, model: ir.Model, d: int) -> int | None:
        """The ResNet-like state width D, or None."""
        return None

    def fan_in(self, model: ir.Model, d: int) -> int:
        """The width that feeds the output layer (the output scale and the mean-field lr follow it)."""
        D = self.state_width(model, d)
        return D if D is not None else self.hidden_widths(model)[-1]

    def layers(self, model: ir.Model, d: int) -> tuple[tuple[int, int], ...]:
        """The dense maps of the forward pass, in order, as (fan_in, fan_out): what a step's FLOPs, the
        parameter count and the activations held for the backward pass follow (``compiler.resources``). The
        default chains d through :meth:`hidden_widths` to the one output."""
        fans = (d, *self.hidden_widths(model), 1)
        return tuple(zip(fans[:-1], fans[1:]))

    @abstractmethod
    def trained(self, model: ir.Model) -> tuple[str, ...]:
        """Names of the trained parameters (the parameter groups of the optimizer)."""

    def check_model(self, values: dict[str, Any]) -> tuple[str, str, str | None] | None:
        """A family-specific rule over the settings given: (the setting at fault, message, help) when it is
        broken (the checker reports it as E301), else None."""
        return None

    def resolve(self, values: dict[str, Any], d: int) -> dict[str, Any]:
        """The model's resolved shape fields (width, depth, widths, state_width) from the given settings."""
        return {"width": values["width"], "depth": values.get("depth", self.default_depth), "widths": (),
                "state_width": None}

    # --- lowering (torch, imported lazily) -------------------------------------------------------

    def init_layers(self, model: ir.Model) -> tuple[str, ...]:
        """The weight layers, input layer first: one entry of ``init_scales`` each (the parameters' names)."""
        return ()

    def param_shapes(self, model: ir.Model, d: int) -> dict[str, tuple[int, ...]]:
        """The shape of each initial parameter (no ensemble axis), by name: what ``init`` returns and what an
        initialisation file (`init = file("net0.npz")`) must hold. Empty for a family that cannot read one."""
        return {}

    @abstractmethod
    def init(self, run: ir.Run, gen: torch.Generator) -> Params:
        """One member's initial parameters (float64, CPU, no ensemble axis)."""

    @abstractmethod
    def forward(self, run: ir.Run, params: Params, x: torch.Tensor) -> torch.Tensor:
        """Outputs (E, n) on inputs x (E, n, d)."""

    def stages(self, run: ir.Run) -> tuple[Stage, ...]:
        """The forward pass as a chain of :class:`Stage` (first input x (E, n, d), last output f (E, n)), whose
        composition is :meth:`forward`; only for a :attr:`layered` family."""
        raise ValueError(f"a {self.name} model is not split into layers")

    def norm(self, name: str, run: ir.Run, params: Params) -> torch.Tensor:
        """The norm metric ``name`` (one of :attr:`norms`) of each member, shape (E,)."""
        raise ValueError(f"{name} is not defined for a {self.name} model")

    def features(self, run: ir.Run, params: Params, x: torch.Tensor) -> torch.Tensor:
        """The feature matrix Phi (n, m) of one member of a model linear in its trained ``a`` (f = Phi a): what
        the closed-form solves (:attr:`closed_forms`) and the ``lambda_min`` diagnostic use."""
        raise ValueError(f"a {self.name} model has no feature map")


def normal(shape: tuple[int, ...], std: float, gen: torch.Generator) -> torch.Tensor:
    """N(0, std^2) entries in float64 from ``gen`` (the draw every family's init uses)."""
    import torch

    return torch.randn(*shape, generator=gen, dtype=torch.float64) * std


def output_std(model: ir.Model, fan: int) -> float:
    """The std of the output weights at init: s/sqrt(fan) under ``standard``, s under ntk and mean_field."""
    return model.init_scale / math.sqrt(fan) if model.scaling == "standard" else model.init_scale


def activation(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """The activation function s as a torch function (the one table: ``mlc.compiler.functions.ACTIVATIONS``)."""
    import torch

    from mlc.compiler.functions import ACTIVATIONS

    impl = ACTIVATIONS[name]
    return lambda t: impl(torch, t)
