"""The peers mlc is timed against: the loop a torch user writes by hand, and JAX with jit + vmap per width.

Input:  ``python benchmarks/peers.py hand|jax CASE.npz OUT.json [--device cpu|cuda]``; CASE.npz is written by
        ``benchmarks/run.py`` (:func:`write_case`): for every run of a benchmark spec its width, learning rate,
        steps, data set index and initial weights (W, c, a), and the data sets (x_train, y_train, x_test,
        f_test) exactly as mlc draws them.
Output: OUT.json: ``{"train_s": seconds of training and measurement (after imports and loading),
        "compile_s": JAX's compile time (0 for the hand loop), "test_errors": [plain test MSE per run, in plan
        order]}``. Wall time and peak memory are measured from outside by run.py.
Role:   each peer runs in its own process so that its start-up, imports and peak resident memory are its own.
        This module imports neither mlc nor the other peer's framework.

* hand: for every configuration ``nn.Sequential(nn.Linear(d, m), nn.ReLU(), nn.Linear(m, 1, bias=False))``,
  ``torch.optim.SGD(lr)``, ``nn.MSELoss()``, ``steps`` full-batch steps of zero_grad / loss / backward / step,
  then the test error: one Python loop per configuration (what docs/performance.md calls the hand loop).
* jax: the runs of one width are stacked (seeds and learning rates) and trained by ONE ``jax.jit(jax.vmap(train))``
  whose body is a ``lax.fori_loop`` over the steps of plain full-batch gradient descent (``jax.grad`` of the
  MSE): one compiled program per width, what a JAX user would write for this sweep.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from pathlib import Path

import numpy as np


def hand(case: dict[str, np.ndarray], device: str) -> dict[str, object]:
    import torch
    from torch import nn

    dev = torch.device(device)
    start = time.perf_counter()
    data = [{k: torch.from_numpy(case[f"{k}{g}"]).to(dev) for k in ("x_train", "y_train", "x_test", "f_test")}
            for g in range(int(case["n_data"]))]
    errors: list[float] = []
    for i in range(int(case["runs"])):
        ds = data[int(case["data"][i])]
        d, m = ds["x_train"].shape[1], int(case["width"][i])
        net = nn.Sequential(nn.Linear(d, m), nn.ReLU(), nn.Linear(m, 1, bias=False)).to(dev)
        with torch.no_grad():
            net[0].weight.copy_(torch.from_numpy(case[f"W{i}"]))
            net[0].bias.copy_(torch.from_numpy(case[f"c{i}"]))
            net[2].weight.copy_(torch.from_numpy(case[f"a{i}"]).unsqueeze(0))
        opt = torch.optim.SGD(net.parameters(), lr=float(case["lr"][i]))
        loss_fn = nn.MSELoss()
        x, y = ds["x_train"], ds["y_train"]
        for _ in range(int(case["steps"][i])):
            opt.zero_grad()
            loss = loss_fn(net(x).squeeze(-1), y)
            loss.backward()
            opt.step()
        with torch.no_grad():
            errors.append(float(((net(ds["x_test"]).squeeze(-1) - ds["f_test"]) ** 2).mean()))
    if dev.type == "cuda":
        torch.cuda.synchronize()
    return {"train_s": time.perf_counter() - start, "compile_s": 0.0, "test_errors": errors}


def jax_peer(case: dict[str, np.ndarray], device: str) -> dict[str, object]:
    import jax
    import jax.numpy as jnp

    platform = "gpu" if device == "cuda" else "cpu"
    dev = jax.devices(platform)[0]
    start = time.perf_counter()

    def forward(p, x):
        return jnp.maximum(x @ p["W"].T + p["c"], 0.0) @ p["a"]

    def loss(p, x, y):
        return jnp.mean((forward(p, x) - y) ** 2)

    def train(p, lr, x, y, steps):
        def step(_, q):
            g = jax.grad(loss)(q, x, y)
            return jax.tree_util.tree_map(lambda w, gw: w - lr * gw, q, g)
        return jax.lax.fori_loop(0, steps, step, p)

    def test_error(p, x, f):
        return jnp.mean((forward(p, x) - f) ** 2)

    errors = [0.0] * int(case["runs"])
    compile_s = 0.0
    widths = sorted({int(w) for w in case["width"]})
    for m in widths:
        idx = [i for i in range(int(case["runs"])) if int(case["width"][i]) == m]
        steps = int(case["steps"][idx[0]])
        stack = {k: jax.device_put(np.stack([case[f"{k}{i}"] for i in idx]), dev) for k in ("W", "c", "a")}
        lr = jax.device_put(np.array([case["lr"][i] for i in idx], dtype=np.float32), dev)

        x, y, xt, ft = (jax.device_put(np.stack([case[f"{key}{int(case['data'][i])}"] for i in idx]), dev)
                        for key in ("x_train", "y_train", "x_test", "f_test"))
        fn = jax.jit(jax.vmap(functools.partial(train, steps=steps)))
        t0 = time.perf_counter()
        compiled = fn.lower(stack, lr, x, y).compile()  # compile separately, so that its cost is reported
        compile_s += time.perf_counter() - t0
        trained = compiled(stack, lr, x, y)
        errs = jax.jit(jax.vmap(test_error))(trained, xt, ft)
        for i, e in zip(idx, np.asarray(jax.block_until_ready(errs))):
            errors[i] = float(e)
    return {"train_s": time.perf_counter() - start, "compile_s": compile_s, "test_errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("peer", choices=("hand", "jax"))
    parser.add_argument("case", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads of the hand loop (default: torch's own choice)")
    args = parser.parse_args()
    if args.threads is not None and args.peer == "hand":
        import torch

        torch.set_num_threads(args.threads)
    with np.load(args.case) as npz:
        case = {k: npz[k] for k in npz.files}
    result = hand(case, args.device) if args.peer == "hand" else jax_peer(case, args.device)
    args.out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
