"""The scaled ResNet family of REFERENCE §2.4: z_0 = V x~, z_{l+1} = z_l + (1/L) U_l s(W_l z_l), f = scale alpha.z_L.

Input:  a resolved :class:`~mlc.compiler.ir.Run` and, for the lowering, tensors.
Output: the ``resnet`` :class:`~mlc.compiler.families.base.Family` descriptor and lowering.
Role:   ``width`` is the hidden width m of each block, ``state_width`` the state D (default d + 1: room for x and
        the constant 1), ``depth`` the number of blocks L (default 8). Parameters ``V`` (E, D, d~) (d~ = d + 1
        with a bias: V acts on x~ = (x, 1)), ``U`` (E, L, D, m), ``Wr`` (E, L, m, D), ``alpha`` (E, D); init with
        s = init_scale: V ~ N(0, s^2/d~), U ~ N(0, s^2/m), Wr ~ N(0, s^2/D), alpha as an output layer of fan-in D
        (other laws and per-layer scales, in the order V, U, Wr, alpha: ``mlc.compiler.families.init``).
        ``depth_scaling = none`` drops the 1/L: the conventional ResNet z_{l+1} = z_l + U_l s(W_l z_l).
        Its norm is the weighted path norm || |alpha|^T (I + 3|U_L/L||W_L|) ... (I + 3|U_1/L||W_1|) |V| ||_1
        (E–Ma–Wang; the 1/L of the blocks is absorbed into U, as the reference asks), which tends to
        exp(3 E|U||W|) as L grows: bounded in L, but large for a wide block or a large init (docs/lowering.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlc.compiler.families import init as laws
from mlc.compiler.families.base import INIT_SETTINGS, Family, Params, Stage, activation

if TYPE_CHECKING:
    import torch

    from mlc.compiler import ir


class ResNet(Family):
    name: ClassVar[str] = "resnet"
    doc: ClassVar[str] = "scaled ResNet z_{l+1} = z_l + (1/L) U_l s(W_l z_l), f = scale · alpha·z_L"
    settings: ClassVar[tuple[str, ...]] = ("width", "depth", "state_width", "activation", "scaling", "init_scale",
                                           "bias", "depth_scaling", *INIT_SETTINGS)
    default_depth: ClassVar[int] = 8
    norms: ClassVar[tuple[str, ...]] = ("weighted_path_norm",)
    penalties: ClassVar[tuple[str, ...]] = ("weighted_path_norm",)
    theory_tags: ClassVar[tuple[str, ...]] = ("resnet",)
    layered: ClassVar[bool] = True

    def resolve(self, values: dict[str, Any], d: int) -> dict[str, Any]:
        return {"width": values["width"], "depth": values.get("depth", self.default_depth), "widths": (),
                "state_width": values.get("state_width", d + 1)}

    def hidden_widths(self, model: ir.Model) -> tuple[int, ...]:
        return (model.width,) * max(1, model.depth)

    def state_width(self, model: ir.Model, d: int) -> int | None:
        return model.state_width or d + 1

    def layers(self, model: ir.Model, d: int) -> tuple[tuple[int, int], ...]:
        """V lifts x~ to the state (D), each block maps D -> m -> D (Wr then U), alpha reads the state out."""
        D = self.state_width(model, d) or d + 1
        blocks = ((D, model.width), (model.width, D)) * max(1, model.depth)
        return ((d + 1 if model.bias else d, D), *blocks, (D, 1))

    def trained(self, model: ir.Model) -> tuple[str, ...]:
        return ("V", "U", "Wr", "alpha")

    def param_shapes(self, model: ir.Model, d: int) -> dict[str, tuple[int, ...]]:
        D, m, L = self.state_width(model, d) or d + 1, model.width, max(1, model.depth)
        return {"V": (D, d + 1 if model.bias else d), "U": (L, D, m), "Wr": (L, m, D), "alpha": (D,)}

    def init_layers(self, model: ir.Model) -> tuple[str, ...]:
        return ("V", "U", "Wr", "alpha")

    def init(self, run: ir.Run, gen: torch.Generator) -> Params:
        model, conv, d = run.model, run.conventions, run.input.dim
        sV, sU, sW, sa = laws.layer_scales(model, 4)
        D, m, L = conv.fan_in, model.width, len(conv.widths)
        d_in = d + 1 if model.bias else d
        V = laws.draw(model, (D, d_in), laws.law_width(model, d_in, D, sV), gen)
        U = laws.draw(model, (L, D, m), laws.law_width(model, m, D, sU), gen)
        Wr = laws.draw(model, (L, m, D), laws.law_width(model, D, m, sW), gen)
        alpha = laws.draw(model, (D,), laws.law_width(model, D, 1, sa, output=True), gen)
        return {"V": V, "U": U, "Wr": Wr, "alpha": laws.zero_unless(model.output_init, alpha)}

    def forward(self, run: ir.Run, params: Params, x: torch.Tensor) -> torch.Tensor:
        import torch

        s = activation(run.model.activation)
        xt = torch.cat([x, torch.ones_like(x[..., :1])], dim=-1) if run.model.bias else x
        z = torch.bmm(xt, params["V"].transpose(1, 2))  # (E, n, D)
        L = params["U"].shape[1]
        factor = block_factor(run.model, L)
        for l in range(L):
            h = s(torch.bmm(z, params["Wr"][:, l].transpose(1, 2)))  # (E, n, m)
            z = z + torch.bmm(h, params["U"][:, l].transpose(1, 2)) * factor
        return run.conventions.output_scale * torch.bmm(z, params["alpha"].unsqueeze(2)).squeeze(2)

    def stages(self, run: ir.Run) -> tuple[Stage, ...]:
        """z_0 = V x~ (owns V), block l: z -> z + (1/L) U_l s(W_l z) (owns U[:, l], Wr[:, l]), the read-out
        f = scale alpha.z_L (owns alpha): the composition is :meth:`forward`, operation for operation."""
        import torch

        s, bias, scale, L = activation(run.model.activation), run.model.bias, run.conventions.output_scale, \
            len(run.conventions.widths)

        def embed(p: Params, x: torch.Tensor) -> torch.Tensor:
            xt = torch.cat([x, torch.ones_like(x[..., :1])], dim=-1) if bias else x
            return torch.bmm(xt, p["V"].transpose(1, 2))

        def block(p: Params, z: torch.Tensor) -> torch.Tensor:
            h = s(torch.bmm(z, p["Wr"].transpose(1, 2)))
            return z + torch.bmm(h, p["U"].transpose(1, 2)) / L

        def readout(p: Params, z: torch.Tensor) -> torch.Tensor:
            return scale * torch.bmm(z, p["alpha"].unsqueeze(2)).squeeze(2)

        blocks = tuple(Stage((("U", l), ("Wr", l)), block) for l in range(L))
        return (Stage((("V", None),), embed), *blocks, Stage((("alpha", None),), readout))

    def norm(self, name: str, run: ir.Run, params: Params) -> torch.Tensor:
        import torch

        if name != "weighted_path_norm":
            return super().norm(name, run, params)
        L = params["U"].shape[1]
        factor = block_factor(run.model, L)
        row = params["alpha"].abs().unsqueeze(1)  # (E, 1, D)
        for l in reversed(range(L)):
            block = torch.bmm(params["U"][:, l].abs() * factor, params["Wr"][:, l].abs())  # (E, D, D)
            row = row + 3.0 * torch.bmm(row, block)
        row = torch.bmm(row, params["V"].abs())  # (E, 1, d~)
        return run.conventions.output_scale * row.abs().sum(dim=(1, 2))


def block_factor(model: ir.Model, depth: int) -> float:
    """The factor on each block's update: 1/L for the scaled ResNet (``depth_scaling = one_over_L``, the default),
    1 for the conventional one (``none``); the weighted path norm absorbs it into U either way."""
    return 1.0 / depth if model.depth_scaling == "one_over_L" else 1.0


FAMILY = ResNet()
