"""The deep fully connected family: h_1 = s(W0 x + b0), h_{l+1} = s(W_l h_l + b_l), f = scale a.h_L.

Input:  a resolved :class:`~mlc.compiler.ir.Run` and, for the lowering, tensors.
Output: the ``deep`` :class:`~mlc.compiler.families.base.Family` descriptor and lowering.
Role:   hidden ``widths`` (one per layer), or ``width`` repeated ``depth`` times (default depth 2). Parameters
        ``W0`` (E, w1, d), ``b0`` (E, w1), ..., ``W{L-1}``, ``b{L-1}``, ``a`` (E, wL); init with s = init_scale:
        W_l, b_l ~ N(0, s^2/fan_in) (fan_in = the previous width, d for the first layer), a as an output layer
        (other laws and per-layer scales: ``mlc.compiler.families.init``).
        Its path norm is scale |a|^T v_L with v_1 = |W0| 1 + |b0|, v_{l+1} = |W_l| v_l + |b_l| (REFERENCE §2.5,
        biases as paths from a constant 1); the multi-layer theorem T14m is about it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlc.compiler.families import init as laws
from mlc.compiler.families.base import INIT_SETTINGS, Family, Params, activation

if TYPE_CHECKING:
    import torch

    from mlc.compiler import ir


class Deep(Family):
    name: ClassVar[str] = "deep"
    doc: ClassVar[str] = "fully connected net with hidden `widths` (or `width` x `depth`)"
    settings: ClassVar[tuple[str, ...]] = ("width", "depth", "widths", "activation", "scaling", "init_scale", "bias",
                                           *INIT_SETTINGS, "bias_init")
    default_depth: ClassVar[int] = 2
    norms: ClassVar[tuple[str, ...]] = ("path_norm",)
    theory_tags: ClassVar[tuple[str, ...]] = ("deep",)

    def check_model(self, values: dict[str, Any]) -> tuple[str, str, str | None] | None:
        if "widths" in values and "depth" in values and values["depth"] != len(values["widths"]):
            return ("depth", f"depth = {values['depth']} but `widths` lists {len(values['widths'])} layers",
                    "remove `depth`; it follows from `widths`")
        if "widths" in values and "width" in values:
            return ("width", "give either `width` (with `depth`) or `widths`", None)
        return None

    def resolve(self, values: dict[str, Any], d: int) -> dict[str, Any]:
        if "widths" in values:
            widths = tuple(values["widths"])
            return {"width": widths[0], "depth": len(widths), "widths": widths, "state_width": None}
        depth = values.get("depth", self.default_depth)
        return {"width": values["width"], "depth": depth, "widths": (values["width"],) * depth,
                "state_width": None}

    def hidden_widths(self, model: ir.Model) -> tuple[int, ...]:
        return tuple(model.widths) if model.widths else (model.width,) * max(1, model.depth)

    def trained(self, model: ir.Model) -> tuple[str, ...]:
        names: list[str] = []
        for i in range(len(self.hidden_widths(model))):
            names.append(f"W{i}")
            if model.bias:
                names.append(f"b{i}")
        return (*names, "a")

    def param_shapes(self, model: ir.Model, d: int) -> dict[str, tuple[int, ...]]:
        shapes: dict[str, tuple[int, ...]] = {}
        fan = d
        for i, w in enumerate(self.hidden_widths(model)):
            shapes[f"W{i}"] = (w, fan)
            if model.bias:
                shapes[f"b{i}"] = (w,)
            fan = w
        shapes["a"] = (fan,)
        return shapes

    def init_layers(self, model: ir.Model) -> tuple[str, ...]:
        return (*(f"W{i}" for i in range(len(self.hidden_widths(model)))), "a")

    def init(self, run: ir.Run, gen: torch.Generator) -> Params:
        import torch

        model = run.model
        widths = run.conventions.widths
        scales = laws.layer_scales(model, len(widths) + 1)
        params: Params = {}
        fan = run.input.dim
        for i, w in enumerate(widths):
            std = laws.law_width(model, fan, w, scales[i])
            params[f"W{i}"] = laws.draw(model, (w, fan), std, gen)
            params[f"b{i}"] = (laws.zero_unless(model.bias_init, laws.draw(model, (w,), std, gen)) if model.bias
                               else torch.zeros(w, dtype=torch.float64))
            fan = w
        a = laws.draw(model, (fan,), laws.law_width(model, fan, 1, scales[-1], output=True), gen)
        params["a"] = laws.zero_unless(model.output_init, a)
        return params

    def forward(self, run: ir.Run, params: Params, x: torch.Tensor) -> torch.Tensor:
        import torch

        s = activation(run.model.activation)
        h = x
        i = 0
        while f"W{i}" in params:
            h = s(torch.baddbmm(params[f"b{i}"].unsqueeze(1), h, params[f"W{i}"].transpose(1, 2)))
            i += 1
        return run.conventions.output_scale * torch.bmm(h, params["a"].unsqueeze(2)).squeeze(2)

    def norm(self, name: str, run: ir.Run, params: Params) -> torch.Tensor:
        import torch

        if name != "path_norm":
            return super().norm(name, run, params)
        v = params["W0"].abs().sum(-1) + params["b0"].abs()
        i = 1
        while f"W{i}" in params:
            v = torch.bmm(params[f"W{i}"].abs(), v.unsqueeze(2)).squeeze(2) + params[f"b{i}"].abs()
            i += 1
        return run.conventions.output_scale * (params["a"].abs() * v).sum(-1)


FAMILY = Deep()
