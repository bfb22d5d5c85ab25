"""The resource flags of ``mlc compile-and-run`` and the gate they set: ``--max-memory``, ``--max-time``, ``--yes``.

Input:  the parsed flags, the checked plan with its AST, the resolved device and dtype.
Output: :func:`add_flags` (the argparse options), :func:`gate` (the :class:`~mlc.compiler.resource_check.Verdict`
        with the machine's numbers filled in), :func:`estimate_line` (the one-line estimate printed before training).
Role:   glue between the machine (``runtime.machine``: available memory, measured speed) and the policy
        (``compiler.resource_check``). Nothing here allocates more than the speed probe's two small matrices.
"""

from __future__ import annotations

import argparse
import re

from mlc.compiler.ir import Plan
from mlc.compiler.resource_check import Limits, Verdict, judge, size_text, time_text
from mlc.compiler.resources import PlanEstimate, Setup
from mlc.dsl import ast
from mlc.runtime import machine

_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)
_TIME = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}
_SECONDS = {None: 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def memory_size(text: str) -> int:
    """``8G``, ``8GiB``, ``500M``, ``1.5g`` or a number of bytes (binary units: 1 G = 2**30 bytes)."""
    match = _SIZE.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a memory size (e.g. 8G, 500M, 2GiB)")
    return int(float(match.group(1)) * 1024 ** _POWERS[match.group(2).lower()])


def duration(text: str) -> float:
    """``90s``, ``30m``, ``2h``, ``1d`` or a number of seconds."""
    match = _TIME.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration (e.g. 90s, 30m, 2h)")
    unit = match.group(2).lower() if match.group(2) else None
    return float(match.group(1)) * _SECONDS[unit]


def add_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-memory", metavar="SIZE", type=memory_size, default=None,
                        help="memory the plan may use (e.g. 8G; default: what the machine, or the GPU with "
                             "--device cuda, has available); a run that needs more is refused, the others train")
    parser.add_argument("--max-time", metavar="TIME", type=duration, default=None,
                        help="refuse a plan expected to take longer (e.g. 30m, 2h; default: ask for --yes above 1 h)")
    parser.add_argument("--yes", action="store_true",
                        help="start a plan expected to take over 1 h, or to record over 1 GiB of curves")


def limits(args: argparse.Namespace, device: str) -> Limits:
    """The limits the flags and the machine set (the speed is measured here once per machine, then cached)."""
    if args.max_memory is not None:
        memory, source = args.max_memory, f"--max-memory is {size_text(args.max_memory)}"
    else:
        memory = machine.available_memory(device)
        where = "the GPU" if device == "cuda" else "the machine"
        source = f"{where} has {size_text(memory)} available" if memory is not None else ""
    speed = machine.measure_speed(device)
    return Limits(memory=memory, memory_source=source, seconds=lambda e: machine.seconds(e, speed),
                  max_time=args.max_time, yes=args.yes)


def gate(args: argparse.Namespace, plan: Plan, spec: ast.Spec, device: str, dtype: str,
         allow_fast: bool) -> Verdict:
    """What may train (see ``compiler.resource_check``)."""
    setup = Setup(dtype=dtype, device=device, allow_fast=allow_fast)
    return judge(plan, spec, setup, limits(args, device))


def estimate_line(estimate: PlanEstimate, seconds: float | None) -> str:
    """``estimate: 12 runs in 1 group, peak 13.2 MiB, 1.2e+09 FLOPs, about 8 s``."""
    runs = sum(len(g.runs) for g in estimate.groups)
    groups = len(estimate.groups)
    text = (f"estimate: {runs} run{'s' * (runs != 1)} in {groups} group{'s' * (groups != 1)}, peak "
            f"{size_text(estimate.peak)}, {estimate.flops:.2g} FLOPs")
    if estimate.curve_values:
        text += f", {estimate.curve_values:,} recorded values ({size_text(estimate.curves_disk)} on disk)"
    return text + (f", about {time_text(seconds)}" if seconds is not None else "")
