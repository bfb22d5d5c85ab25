"""The initialisation laws of the families: how one weight matrix, bias or output layer is drawn.

Input:  a resolved :class:`~mlc.compiler.ir.Model` (its ``init`` law, ``init_scale``, ``init_scales``,
        ``output_init``, ``bias_init``, ``features``), layer fans, and a seeded ``torch.Generator``.
Output: float64 CPU tensors, and the per-layer scales of a model.
Role:   one place for the init settings of issue 10, shared by every family's ``init``:

  * ``init = normal`` (the default) is the original rule, unchanged to the bit: a layer of fan-in f is
    N(0, s²/f) drawn as ``randn(...) * std``; the output layer is N(0, s²/m) under ``standard`` and N(0, s²)
    under ``ntk`` and ``mean_field`` (``output_std``);
  * ``xavier_uniform``, ``xavier_normal`` and ``he`` are torch.nn.init's ``xavier_uniform_``,
    ``xavier_normal_`` and ``kaiming_normal_`` (fan_in mode, ReLU gain √2), for every layer the output layer
    included, times s: U(−a, a) with a = s√(6/(f_in + f_out)), N(0, s²·2/(f_in + f_out)), N(0, s²·2/f_in);
    they draw with the same in-place calls (``uniform_``, ``normal_``) from the same generator, so a run's
    weights equal torch's on that generator (tested). A bias is drawn with its layer's law;
  * s of layer l is ``init_scale · init_scales[l]`` (all 1 when ``init_scales`` is not given);
  * ``output_init = zero`` sets a(0) = 0 and ``bias_init = zero`` the trained biases to 0. The draws they
    replace are still made, so every other weight is the one of the same run without the option;
  * ``features = nested`` (single-hidden-layer families): unit k's weights (w_k, c_k, a_k) come from the
    generator of its block of :data:`NESTED_BLOCK` units, seeded from (the run's init seed, block index) only, so
    the width-m model has the first m units of one pool per seed, whatever m. The scales (which may depend on m)
    multiply the unit's standard draws.
"""

from __future__ import annotations

import hashlib
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

    from mlc.compiler import ir

NESTED_BLOCK = 64
"""Units per generator block of a nested pool (any fixed number gives nested features; this one is the pool's)."""


def layer_scales(model: ir.Model, layers: int) -> tuple[float, ...]:
    """s of each of the ``layers`` weight layers (input layer first): init_scale times init_scales[l]."""
    extra = model.init_scales or (1.0,) * layers
    return tuple(model.init_scale * f for f in extra)


def law_width(model: ir.Model, fan_in: int, fan_out: int, scale: float, output: bool = False) -> float:
    """The std (normal laws) or the bound a of U(−a, a) (``xavier_uniform``) of one layer."""
    law = model.init
    if law == "normal":
        if output:
            return scale / math.sqrt(fan_in) if model.scaling == "standard" else scale
        return scale / math.sqrt(fan_in)
    # The arithmetic of torch.nn.init, operation for operation, so that s = 1 gives torch's numbers exactly.
    if law == "xavier_uniform":
        return scale * (math.sqrt(3.0) * math.sqrt(2.0 / float(fan_in + fan_out)))
    if law == "xavier_normal":
        return scale * math.sqrt(2.0 / float(fan_in + fan_out))
    return scale * (math.sqrt(2.0) / math.sqrt(fan_in))  # he: kaiming_normal_, fan_in mode, ReLU gain sqrt(2)


def draw(model: ir.Model, shape: tuple[int, ...], width: float, gen: torch.Generator) -> torch.Tensor:
    """Entries of ``shape`` under the model's law with std (or bound) ``width``, from ``gen``."""
    import torch

    if model.init == "normal":
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * width
    out = torch.empty(*shape, dtype=torch.float64)
    if model.init == "xavier_uniform":
        return out.uniform_(-width, width, generator=gen)
    return out.normal_(0.0, width, generator=gen)


def standard_draw(model: ir.Model, shape: tuple[int, ...], gen: torch.Generator) -> torch.Tensor:
    """Unit-width entries of the model's law (N(0, 1) or U(−1, 1)): the pool of nested features."""
    import torch

    if model.init == "xavier_uniform":
        return torch.rand(*shape, generator=gen, dtype=torch.float64) * 2.0 - 1.0
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def zero_unless(choice: str, drawn: torch.Tensor) -> torch.Tensor:
    """``drawn``, or zeros of its shape when the init choice is ``zero`` (the draw is made either way)."""
    return drawn.zero_() if choice == "zero" else drawn


def block_generator(seed: int, block: int) -> torch.Generator:
    """The generator of block ``block`` of a nested pool of init seed ``seed`` (a function of both only)."""
    import torch

    digest = hashlib.sha256(f"mlc-nested:{seed}:{block}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") >> 1)


def nested_units(model: ir.Model, m: int, d: int, gen: torch.Generator) -> tuple[torch.Tensor, ...]:
    """Standard draws (w (m, d), c (m,), a (m,)) of the first m units of the pool of ``gen``'s seed."""
    import torch

    seed = gen.initial_seed()
    parts: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
    for block in range(-(-m // NESTED_BLOCK)):
        g = block_generator(seed, block)
        parts.append((standard_draw(model, (NESTED_BLOCK, d), g), standard_draw(model, (NESTED_BLOCK,), g),
                      standard_draw(model, (NESTED_BLOCK,), g)))
    return tuple(torch.cat([p[i] for p in parts])[:m] for i in range(3))
