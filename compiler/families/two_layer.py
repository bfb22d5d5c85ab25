"""The two-layer network family: f = scale * sum_k a_k s(W_k.x + c_k), every parameter trained.

Input:  a resolved :class:`~mlc.compiler.ir.Run` (model, conventions) and, for the lowering, tensors.
Output: the ``two_layer`` :class:`~mlc.compiler.families.base.Family` descriptor and lowering.
Role:   parameters ``W`` (E, m, d), ``c`` (E, m) (zero and untrained without a bias), ``a`` (E, m); init with
        s = init_scale: W, c ~ N(0, s^2/d), a ~ N(0, s^2/m) under ``standard`` and N(0, s^2) under ntk and
        mean_field (``init``, ``init_scales``, ``output_init``, ``bias_init`` and ``features = nested`` choose
        otherwise: ``mlc.compiler.families.init``); path norm scale * sum_k |a_k| (||W_k||_1 + |c_k|) (REFERENCE §2.1). Trains on the packed
        fast path under full-batch GD; the theory's two-layer theorems (T1-T5, T10, T11, T17) are about it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from mlc.compiler.families import init as laws
from mlc.compiler.families.base import INIT_SETTINGS, Family, FastPath, Params, activation

if TYPE_CHECKING:
    import torch

    from mlc.compiler import ir


class TwoLayer(Family):
    name: ClassVar[str] = "two_layer"
    doc: ClassVar[str] = "two-layer net f = scale · Σ_k a_k s(w_k·x + c_k), all weights trained"
    norms: ClassVar[tuple[str, ...]] = ("path_norm",)
    penalties: ClassVar[tuple[str, ...]] = ("path_norm",)
    fast_path: ClassVar[FastPath | None] = FastPath(inner_trained=True)
    theory_tags: ClassVar[tuple[str, ...]] = ("two_layer",)
    settings: ClassVar[tuple[str, ...]] = ("width", "activation", "scaling", "init_scale", "bias", *INIT_SETTINGS,
                                           "bias_init", "features")

    def init_layers(self, model: ir.Model) -> tuple[str, ...]:
        return ("W", "a")

    def trained(self, model: ir.Model) -> tuple[str, ...]:
        return ("W", "c", "a") if model.bias else ("W", "a")

    def param_shapes(self, model: ir.Model, d: int) -> dict[str, tuple[int, ...]]:
        m = model.width
        return {"W": (m, d), **({"c": (m,)} if model.bias else {}), "a": (m,)}  # no bias: c is 0, not a parameter

    def init(self, run: ir.Run, gen: torch.Generator) -> Params:
        import torch

        model, d, m = run.model, run.input.dim, run.model.width
        s_inner, s_out = laws.layer_scales(model, 2)
        inner = laws.law_width(model, d, m, s_inner)
        outer = laws.law_width(model, m, 1, s_out, output=True)
        if model.features == "nested":
            W, c, a = laws.nested_units(model, m, d, gen)
            W, c, a = W * inner, c * inner, a * outer
        else:
            W = laws.draw(model, (m, d), inner, gen)
            c = laws.draw(model, (m,), inner, gen) if model.bias else torch.zeros(m, dtype=torch.float64)
            a = laws.draw(model, (m,), outer, gen)
        if not model.bias:
            c = torch.zeros(m, dtype=torch.float64)
        return {"W": W, "c": laws.zero_unless(model.bias_init, c), "a": laws.zero_unless(model.output_init, a)}

    def forward(self, run: ir.Run, params: Params, x: torch.Tensor) -> torch.Tensor:
        import torch

        s = activation(run.model.activation)
        h = torch.baddbmm(params["c"].unsqueeze(1), x, params["W"].transpose(1, 2))
        return run.conventions.output_scale * torch.bmm(s(h), params["a"].unsqueeze(2)).squeeze(2)

    def norm(self, name: str, run: ir.Run, params: Params) -> torch.Tensor:
        if name == "path_norm":
            inner = params["W"].abs().sum(-1) + params["c"].abs()
            return run.conventions.output_scale * (params["a"].abs() * inner).sum(-1)
        return super().norm(name, run, params)

    def features(self, run: ir.Run, params: Params, x: torch.Tensor) -> torch.Tensor:
        """Phi (n, m) = scale * s(x W^T + c) of one member (params with E = 1), so that f = Phi a."""
        s = activation(run.model.activation)
        return run.conventions.output_scale * s(x @ params["W"][0].T + params["c"][0])


FAMILY = TwoLayer()
