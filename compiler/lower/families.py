"""The four model families with a leading ensemble axis.

Input:  a :class:`~mlc.compiler.ir.Run` (its model and its conventions block: output scale, fan-in, widths),
        per-member seeded generators.
Output: parameter dictionaries (tensors with a leading ensemble axis E), forward functions
        ``f(params, x (E, n, d)) -> (E, n)``, and the norms the theory needs (path norm, weighted path norm,
        RKHS norm), each of shape (E,).
Role:   one place that fixes the parameterisation, the initialisation and the output scaling of every family.

Parameter names (E = ensemble axis):
  * two_layer / random_features: ``W`` (E, m, d), ``c`` (E, m), ``a`` (E, m);
    f = scale * sum_k a_k s(W_k.x + c_k). Random features train only ``a``.
  * resnet: ``V`` (E, D, d~), ``U`` (E, L, D, m), ``Wr`` (E, L, m, D), ``alpha`` (E, D) with d~ = d+1 when
    ``bias`` (V acts on x~ = (x, 1)); z_0 = V x~, z_{l+1} = z_l + (1/L) U_l s(Wr_l z_l), f = scale * alpha.z_L.
  * deep: ``W0`` (E, w1, d), ``b0`` (E, w1), ..., ``W{L-1}``, ``b{L-1}``, ``a`` (E, wL);
    h_1 = s(W0 x + b0), h_{l+1} = s(W_l h_l + b_l), f = scale * a.h_L.

scale = 1 (standard), 1/sqrt(fan_in) (ntk) or 1/fan_in (mean_field), where fan_in is the width feeding the
output layer (m, D or wL): ``run.conventions.output_scale`` (compiler.conventions decides it). Initialisation
with s = init_scale (all normals, drawn in float64 on the CPU from the member's generator, in the order the
parameters are listed above):
  * inner weights and biases: N(0, s^2 / fan_in) (fan_in = d for W and c, D for Wr, m for U, d~ for V);
  * output weights: N(0, s^2 / fan_in) under ``standard``, N(0, s^2) under ``ntk`` and ``mean_field``.
Biases that are switched off are zero tensors and are never trained.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from mlc.compiler.ir import Run
from mlc.compiler.lower import targets

Params = dict[str, torch.Tensor]


def activation(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """The activation function s of a model (the one table: ``mlc.compiler.functions.ACTIVATIONS``)."""
    return targets.activation(name)


def _normal(shape: tuple[int, ...], std: float, gen: torch.Generator) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64) * std


def init_member(run: Run, gen: torch.Generator) -> Params:
    """One member's initial parameters (float64, CPU, no ensemble axis); see the module docstring."""
    model, conv, d = run.model, run.conventions, run.input.dim
    s = model.init_scale
    out_std = (lambda fan: s / math.sqrt(fan)) if model.scaling == "standard" else (lambda fan: s)
    if model.family in ("two_layer", "random_features"):
        m = model.width
        W = _normal((m, d), s / math.sqrt(d), gen)
        c = _normal((m,), s / math.sqrt(d), gen) if model.bias else torch.zeros(m, dtype=torch.float64)
        a = _normal((m,), out_std(m), gen)
        return {"W": W, "c": c, "a": a}
    if model.family == "resnet":
        D, m, L = conv.fan_in, model.width, len(conv.widths)
        d_in = d + 1 if model.bias else d
        V = _normal((D, d_in), s / math.sqrt(d_in), gen)
        U = _normal((L, D, m), s / math.sqrt(m), gen)
        Wr = _normal((L, m, D), s / math.sqrt(D), gen)
        alpha = _normal((D,), out_std(D), gen)
        return {"V": V, "U": U, "Wr": Wr, "alpha": alpha}
    widths = conv.widths
    params: Params = {}
    fan = d
    for i, w in enumerate(widths):
        params[f"W{i}"] = _normal((w, fan), s / math.sqrt(fan), gen)
        params[f"b{i}"] = (_normal((w,), s / math.sqrt(fan), gen) if model.bias
                           else torch.zeros(w, dtype=torch.float64))
        fan = w
    params["a"] = _normal((fan,), out_std(fan), gen)
    return params


def stack_members(members: list[Params]) -> Params:
    """Stack per-member parameter dicts along a new leading ensemble axis."""
    return {k: torch.stack([p[k] for p in members]) for k in members[0]}


def member(params: Params, i: int) -> Params:
    """Member i of an ensemble, keeping a leading axis of size 1."""
    return {k: v[i:i + 1] for k, v in params.items()}


def forward(run: Run, params: Params, x: torch.Tensor) -> torch.Tensor:
    """Outputs (E, n) of an ensemble of runs shaped like ``run`` on inputs x (E, n, d)."""
    model = run.model
    s = activation(model.activation)
    scale = run.conventions.output_scale
    if model.family in ("two_layer", "random_features"):
        h = torch.baddbmm(params["c"].unsqueeze(1), x, params["W"].transpose(1, 2))
        return scale * torch.bmm(s(h), params["a"].unsqueeze(2)).squeeze(2)
    if model.family == "resnet":
        xt = torch.cat([x, torch.ones_like(x[..., :1])], dim=-1) if model.bias else x
        z = torch.bmm(xt, params["V"].transpose(1, 2))  # (E, n, D)
        L = params["U"].shape[1]
        for l in range(L):
            h = s(torch.bmm(z, params["Wr"][:, l].transpose(1, 2)))  # (E, n, m)
            z = z + torch.bmm(h, params["U"][:, l].transpose(1, 2)) / L
        return scale * torch.bmm(z, params["alpha"].unsqueeze(2)).squeeze(2)
    h = x
    i = 0
    while f"W{i}" in params:
        h = s(torch.baddbmm(params[f"b{i}"].unsqueeze(1), h, params[f"W{i}"].transpose(1, 2)))
        i += 1
    return scale * torch.bmm(h, params["a"].unsqueeze(2)).squeeze(2)


def path_norm(run: Run, params: Params) -> torch.Tensor:
    """The l1 path norm (E,), in the model's own scaling (REFERENCE §2.1, §2.5).

    two_layer / random_features: scale * sum_k |a_k| (||W_k||_1 + |c_k|). deep: scale * |a|^T v_L with
    v_1 = |W0| 1 + |b0|, v_{l+1} = |W_l| v_l + |b_l| (biases count as paths from a constant 1).
    """
    model, scale = run.model, run.conventions.output_scale
    if model.family in ("two_layer", "random_features"):
        inner = params["W"].abs().sum(-1) + params["c"].abs()
        return scale * (params["a"].abs() * inner).sum(-1)
    if model.family == "deep":
        v = params["W0"].abs().sum(-1) + params["b0"].abs()
        i = 1
        while f"W{i}" in params:
            v = torch.bmm(params[f"W{i}"].abs(), v.unsqueeze(2)).squeeze(2) + params[f"b{i}"].abs()
            i += 1
        return scale * (params["a"].abs() * v).sum(-1)
    raise ValueError("path_norm is defined for two_layer, random_features and deep models")


def weighted_path_norm(run: Run, params: Params) -> torch.Tensor:
    """The ResNet weighted path norm (E,) (REFERENCE §2.4, E–Ma–Wang):
    || |alpha|^T (I + 3|U_L/L||Wr_L|) ... (I + 3|U_1/L||Wr_1|) |V| ||_1, times the output scale.
    The 1/L of our blocks is absorbed into U, as in the reference's convention."""
    if run.model.family != "resnet":
        raise ValueError("weighted_path_norm is defined for resnet models")
    scale = run.conventions.output_scale
    L = params["U"].shape[1]
    row = params["alpha"].abs().unsqueeze(1)  # (E, 1, D)
    for l in reversed(range(L)):
        block = torch.bmm(params["U"][:, l].abs() / L, params["Wr"][:, l].abs())  # (E, D, D)
        row = row + 3.0 * torch.bmm(row, block)
    row = torch.bmm(row, params["V"].abs())  # (E, 1, d~)
    return scale * row.abs().sum(dim=(1, 2))


def rkhs_norm(run: Run, params: Params) -> torch.Tensor:
    """RKHS norm of a random-feature model (E,) in the normalised form of REFERENCE §2.3:
    f = (1/m) sum_j a'_j phi_j with a'_j = m * scale * a_j, ||theta||_H = ((1/m) sum_j a'_j^2)^{1/2}
    = scale * sqrt(m) * ||a||_2."""
    scale = run.conventions.output_scale
    m = params["a"].shape[-1]
    return scale * math.sqrt(m) * params["a"].pow(2).sum(-1).sqrt()
