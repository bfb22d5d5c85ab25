"""Facts about the machine that the resource plan is compared with: available memory and measured speed.

Input:  the device type ("cpu" or "cuda").
Output: :func:`available_memory` (bytes the plan may use: ``MemAvailable`` of /proc/meminfo, or the GPU's free
        memory from ``torch.cuda.mem_get_info``), :class:`Speed` (matmul FLOP/s and the latency of one small
        tensor op) measured once by :func:`measure_speed` and cached in a file, :func:`cached_speed` (read only),
        :func:`seconds` (an estimate's expected time at that speed).
Role:   the runtime half of the resource plan (``compiler.resources`` is the arithmetic). The speed is measured
        once per torch version and device class and kept in ``$XDG_CACHE_HOME/mlc/machine.json`` (or
        ``~/.cache/mlc``; ``MLC_CACHE_DIR`` overrides it), so that only the first compile-and-run on a machine pays
        the ~0.5 s it takes. torch is imported only by the functions that need it (reading the cache and the
        CPU's memory do not), so ``mlc compile`` and ``mlc bounds`` can show and check an estimate without it.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import time
from dataclasses import asdict, dataclass

from mlc.dsl.cache import cache_dir as cache_dir  # the one rule for the cache folder
from mlc.compiler.resources import PlanEstimate

CACHE_FILE = "machine.json"
PROBE_SIZE = 512  # the square matmul whose rate is measured
PROBE_REPEAT = 4
PROBE_ROUNDS = 5


@dataclass(frozen=True)
class Speed:
    """How fast this machine trains: dense FLOP/s and seconds per small tensor op (launch or Python overhead)."""

    flops_per_s: float
    op_latency_s: float
    key: str  # "torch <version> on <device class>"


def available_memory(device: str = "cpu") -> int | None:
    """Bytes available to a new allocation on ``device``: the GPU's free memory, or the kernel's MemAvailable
    estimate (free memory plus what it can reclaim). None where it cannot be read (not Linux)."""
    if device == "cuda":
        import torch

        free, _total = torch.cuda.mem_get_info()
        return int(free)
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _key(device: str) -> str:
    import torch

    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    return f"torch {torch.__version__} on {device}:{name}"


def _read_cache() -> dict[str, dict[str, float]]:
    try:
        data = json.loads((cache_dir() / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def cached_speed(device: str = "cpu") -> Speed | None:
    """The speed measured earlier for ``device`` (torch-free: for ``mlc compile``): under the installed torch
    version if it was measured, else the most recent measurement under another."""
    found = [(key, entry) for key, entry in _read_cache().items() if f" on {device}:" in key and isinstance(entry, dict)]
    if not found:
        return None
    try:
        installed = f"torch {importlib.metadata.version('torch')} "
    except importlib.metadata.PackageNotFoundError:
        installed = ""
    key, entry = max(found, key=lambda item: (bool(installed) and item[0].startswith(installed),
                                              float(item[1].get("measured_at", 0.0))))
    try:
        return Speed(float(entry["flops_per_s"]), float(entry["op_latency_s"]), key)
    except (KeyError, TypeError, ValueError):
        return None


def measure_speed(device: str = "cpu") -> Speed:
    """This machine's speed for ``device``: read from the cache, or measured now (once) and cached."""
    key = _key(device)
    cache = _read_cache()
    entry = cache.get(key)
    if isinstance(entry, dict):
        try:
            return Speed(float(entry["flops_per_s"]), float(entry["op_latency_s"]), key)
        except (KeyError, TypeError, ValueError):
            pass
    speed = _measure(device, key)
    cache[key] = {**{k: v for k, v in asdict(speed).items() if k != "key"}, "measured_at": time.time()}
    try:
        where = cache_dir()
        where.mkdir(parents=True, exist_ok=True)
        tmp = where / f".{CACHE_FILE}.{os.getpid()}"
        tmp.write_text(json.dumps(cache, indent=1), encoding="utf-8")
        tmp.replace(where / CACHE_FILE)
    except OSError:
        pass  # an unwritable cache costs a measurement next time, nothing else
    return speed


def _measure(device: str, key: str) -> Speed:
    import torch

    dev = torch.device(device)

    def sync() -> None:
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    a = torch.randn(PROBE_SIZE, PROBE_SIZE, device=dev)
    b = torch.randn(PROBE_SIZE, PROBE_SIZE, device=dev)
    small = torch.zeros(16, device=dev)
    (a @ b).sum().item()  # warm-up
    matmul = latency = float("inf")
    # The fastest of a few rounds: on a shared machine the others measure the neighbours, not this machine.
    for _ in range(PROBE_ROUNDS):
        sync()
        start = time.perf_counter()
        for _ in range(PROBE_REPEAT):
            a @ b
        sync()
        matmul = min(matmul, (time.perf_counter() - start) / PROBE_REPEAT)
        start = time.perf_counter()
        for _ in range(100):
            small.add_(1.0)
        sync()
        latency = min(latency, (time.perf_counter() - start) / 100)
    return Speed(2.0 * PROBE_SIZE ** 3 / max(matmul, 1e-9), latency, key)


def seconds(estimate: PlanEstimate, speed: Speed) -> float:
    """The expected time of training ``estimate``'s groups at ``speed``: FLOPs at the dense rate plus the fixed
    cost of each step's small ops (what dominates a sweep of small nets)."""
    return sum(g.flops / speed.flops_per_s + g.steps * g.ops_per_step * speed.op_latency_s for g in estimate.groups)
