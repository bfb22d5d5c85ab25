"""Seeded input samplers and the data set of one run.

Input:  an :class:`~mlc.compiler.ir.InputDist`, a :class:`~mlc.compiler.ir.Data`, the target, the run's seed.
Output: :class:`DataSet` (train inputs, clean train targets, noisy train labels, test inputs, clean test targets).
Role:   make the data of a run a pure function of (input distribution, target, n, n_test, noise, seed).

Conventions (docs/lowering.md):
  * the data generator is ``torch.Generator().manual_seed(seed)`` (the data's ``seed`` when given, else the
    run's seed), on the CPU, in float64;
    the tensors are cast to the requested dtype and moved to the device afterwards, so the data do not depend
    on the device, on the dtype's RNG path, or on the run's position in the sweep;
  * draw order: train inputs, test inputs, label noise; with a ``noise_seed`` the label noise comes from its own
    generator, ``manual_seed(noise_seed + NOISE_SEED_OFFSET)``, so the inputs and the noise vary apart;
  * ``grid``: the training inputs are the ``points`` equispaced points of [low, high] (n is ignored), the test
    inputs are uniform on [low, high];
  * ``file``: a permutation of the file's rows by the data generator; the first n rows train, the next n_test
    test (disjoint); a draw from the law (``sample_inputs``) is a uniformly chosen row;
  * ``dataset``: as ``file``, over the points of the packaged data set (``mlc.compiler.datasets``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from mlc.compiler.ir import Data, InputDist, Target
from mlc.compiler.lower.targets import target_function

NOISE_SEED_OFFSET = 3_000_003  # label-noise generator of a `noise_seed`: manual_seed(noise_seed + NOISE_SEED_OFFSET)


@dataclass
class DataSet:
    """The data of one run (float64 on the CPU until :meth:`to` is called)."""

    x_train: torch.Tensor  # (n, d)
    f_train: torch.Tensor  # (n,) clean target values f*(x_i)
    y_train: torch.Tensor  # (n,) labels = f_train + noise
    x_test: torch.Tensor  # (n_test, d)
    f_test: torch.Tensor  # (n_test,)

    def to(self, device: torch.device | str, dtype: torch.dtype) -> "DataSet":
        return DataSet(*(t.to(device=device, dtype=dtype) for t in
                         (self.x_train, self.f_train, self.y_train, self.x_test, self.f_test)))


def sample_inputs(dist: InputDist, count: int, gen: torch.Generator) -> torch.Tensor:
    """``count`` iid draws from ``dist`` as a float64 (count, dim) tensor (uniform on [low, high] for grid)."""
    d = dist.dim
    kind = dist.kind
    if kind == "cube":
        return torch.rand(count, d, generator=gen, dtype=torch.float64) * 2.0 - 1.0
    if kind == "sphere":
        g = torch.randn(count, d, generator=gen, dtype=torch.float64)
        return g / g.norm(dim=1, keepdim=True).clamp_min(1e-300)
    if kind == "ball":
        g = torch.randn(count, d, generator=gen, dtype=torch.float64)
        g = g / g.norm(dim=1, keepdim=True).clamp_min(1e-300)
        radius = torch.rand(count, 1, generator=gen, dtype=torch.float64) ** (1.0 / d)
        return g * radius
    if kind == "gaussian":
        std = 1.0 if dist.std is None else dist.std
        return torch.randn(count, d, generator=gen, dtype=torch.float64) * std
    if kind == "grid":
        low, high = _grid_range(dist)
        return low + (high - low) * torch.rand(count, d, generator=gen, dtype=torch.float64)
    if kind in ("file", "dataset"):  # the empirical law of the rows
        rows = file_rows(dist)
        return rows[torch.randint(rows.shape[0], (count,), generator=gen)]
    raise ValueError(f"unknown input distribution {kind!r}")


def file_rows(dist: InputDist) -> torch.Tensor:
    """The rows of a ``file`` input (float64), as checked (``mlc.compiler.datafiles.load`` refuses a changed file),
    or the points of a ``dataset`` input (``mlc.compiler.datasets.load`` refuses a changed data set)."""
    if dist.kind == "dataset":
        from mlc.compiler.datasets import load as load_dataset

        assert dist.dataset is not None, "a dataset input carries its DataSetRef"
        return torch.from_numpy(load_dataset(dist.dataset)[0].copy())
    from mlc.compiler.datafiles import load

    assert dist.file is not None, "a file input carries its DataFile"
    return torch.from_numpy(load(dist.file))


def _grid_range(dist: InputDist) -> tuple[float, float]:
    low = -1.0 if dist.low is None else dist.low
    high = 1.0 if dist.high is None else dist.high
    return low, high


def grid_points(dist: InputDist) -> torch.Tensor:
    """The equispaced training grid of a ``grid`` input (float64, shape (points, 1))."""
    low, high = _grid_range(dist)
    points = dist.points or 101
    return torch.linspace(low, high, points, dtype=torch.float64).unsqueeze(1).expand(points, dist.dim).clone()


def data_key(dist: InputDist, data: Data, target: Target, seed: int) -> str:
    """What :func:`make_dataset` depends on, as a key: runs with equal keys share one data set."""
    from mlc.compiler.ir import canonical_json

    used = data.seed if data.seed is not None else seed
    return canonical_json({"input": dist.model_dump(mode="json"), "data": data.model_dump(mode="json"),
                           "target": target.model_dump(mode="json"), "seed": used})


def make_dataset(dist: InputDist, data: Data, target: Target, seed: int) -> DataSet:
    """The train/test data of a run: a function of the arguments only (see the module docstring)."""
    gen = torch.Generator().manual_seed(int(data.seed if data.seed is not None else seed))
    if dist.kind == "grid":
        x_train = grid_points(dist)
        x_test = sample_inputs(dist, data.n_test, gen)
    elif dist.kind in ("file", "dataset"):  # disjoint rows: a permutation by the data generator, train first
        rows = file_rows(dist)
        order = torch.randperm(rows.shape[0], generator=gen)
        x_train, x_test = rows[order[:data.n]], rows[order[data.n:data.n + data.n_test]]
    else:
        x_train = sample_inputs(dist, data.n, gen)
        x_test = sample_inputs(dist, data.n_test, gen)
    fstar = target_function(target, dist)
    f_train = fstar(x_train)
    f_test = fstar(x_test)
    if data.noise_seed is not None:
        gen = torch.Generator().manual_seed(int(data.noise_seed) + NOISE_SEED_OFFSET)
    noise = torch.randn(x_train.shape[0], generator=gen, dtype=torch.float64) * data.noise
    y_train = f_train + noise if data.noise > 0 else f_train.clone()
    for name, t in (("train", f_train), ("test", f_test)):
        if not bool(torch.isfinite(t).all()):
            raise ValueError(f"the target is not finite on some {name} inputs (check log/sqrt/division)")
    return DataSet(x_train, f_train, y_train, x_test, f_test)
