"""Measure plans' peak memory next to their estimates (run as a script, in a fresh process, by
tests/test_resources.py).

Input:  argv: the dtype, then pairs of spec paths: a warm-up spec and the spec to measure.
Output: one JSON list on stdout: per measured spec, the estimate's peak bytes, the measured peak resident-set
        increase and their ratio.
Role:   an honest measurement: every warm-up spec (the same constructs at tiny sizes) runs first, so that imports
        and torch's one-time buffers are in the baseline; then, for each spec, the kernel's peak resident set is
        reset to the current one (``/proc/self/clear_refs``), the plan executes, and the peak (VmHWM) minus the
        resident set before it is what the plan allocated.
"""

from __future__ import annotations

import json
import sys


def status(key: str) -> int:
    """A field of /proc/self/status in bytes (VmRSS: resident now, VmHWM: peak resident)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def main(dtype: str, specs: list[str]) -> None:
    import torch

    from mlc.compiler.options import Options
    from mlc.compiler.pipeline import compile_path
    from mlc.compiler.resources import Setup, estimate_plan
    from mlc.runtime.execute import execute_plan

    torch.set_num_threads(1)
    options = Options(estimate_norms=False)
    plans = [compile_path(path).plan for path in specs]
    assert all(plan is not None for plan in plans), specs
    for warm in plans[0::2]:
        execute_plan(warm, "cpu", dtype, options=options)  # type: ignore[arg-type]
    out = []
    for path, plan in zip(specs[1::2], plans[1::2]):
        assert plan is not None
        estimate = estimate_plan(plan, Setup(dtype=dtype))
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")  # reset the peak resident set (VmHWM) to the current one
        base = status("VmRSS")
        execute_plan(plan, "cpu", dtype, options=options)
        measured = status("VmHWM") - base
        out.append({"spec": path, "estimate": estimate.peak, "measured": measured,
                    "ratio": estimate.peak / max(1, measured)})
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
