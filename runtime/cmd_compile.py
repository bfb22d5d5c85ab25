"""``mlc compile FILE --emit ast|ir|plan|schema``: show what the compiler makes of a spec.

Input:  one spec path.
Output: on stdout, the AST (an indented tree with spans), the typed IR of the first run (JSON), the plan
        (every run of the sweep with its hash and parameters, and the resource plan's estimate of its memory,
        FLOPs and time, as a table; or the plan's JSON with ``--json``, which the estimate never enters), or the
        JSON schema of the plan. Diagnostics on stderr; exit 0/1/2 as ``mlc check``.
Role:   the dry run: see exactly what would be trained before training anything. Imports no torch.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a spec file (.ml)")
    parser.add_argument("--emit", choices=("ast", "ir", "plan", "schema"), default="plan",
                        help="what to print (default: plan)")
    parser.add_argument("--json", action="store_true", help="print JSON: the plan instead of a table, or the AST (--emit ast)")


def _ast_lines(node, indent: int = 0) -> list[str]:
    """An indented, span-annotated dump of the AST."""
    from mlc.dsl import ast
    from mlc.dsl.diagnostics import Span

    pad = "  " * indent
    if isinstance(node, (list, tuple)):
        lines: list[str] = []
        for item in node:
            lines += _ast_lines(item, indent)
        return lines
    if isinstance(node, ast.Ident):
        return [f"{pad}{node.name!s}  @{node.span.line}:{node.span.column}"]
    if not dataclasses.is_dataclass(node):
        return [f"{pad}{node!r}"]
    span = getattr(node, "span", None)
    where = f"  @{span.line}:{span.column}-{span.end_line}:{span.end_column}" if isinstance(span, Span) else ""
    scalars = []
    children = []
    for field in dataclasses.fields(node):
        if field.name == "span":
            continue
        value = getattr(node, field.name)
        if isinstance(value, (str, int, float, bool)) or value is None:
            if field.name not in ("text", "spelling") and value not in ("", None, ()):
                scalars.append(f"{field.name}={value!r}")
        elif value not in ((), []):
            children.append((field.name, value))
    lines = [f"{pad}{type(node).__name__}({', '.join(scalars)}){where}"]
    for name, value in children:
        lines.append(f"{pad}  .{name}:")
        lines += _ast_lines(value, indent + 2)
    return lines


def _ast_json(node):
    """The AST as JSON-able data: each node a dict with its type under "node", spans as dicts."""
    if isinstance(node, (list, tuple)):
        return [_ast_json(item) for item in node]
    if dataclasses.is_dataclass(node):
        data = {"node": type(node).__name__} if type(node).__name__ != "Span" else {}
        for field in dataclasses.fields(node):
            data[field.name] = _ast_json(getattr(node, field.name))
        return data
    return node


def _plan_table(plan) -> str:
    keys = []
    for block in plan.sweep:
        keys += [a.key for a in block.axes]
    header = ["#", "hash", "model", "family", *keys]
    rows = []
    for run in plan.runs:
        values = [plan.param_text(k, run.params[k]) if k in run.params else "" for k in keys]
        rows.append([str(run.index), run.hash, run.model.name, run.model.family, *values])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [f"problem {plan.problem}   spec hash {plan.spec_hash}   {len(plan.runs)} runs"]
    sweep = " x ".join(
        f"{block.mode}({', '.join(f'{a.key}[{len(a.values)}]' for a in block.axes)})"
        for block in plan.sweep if block.axes) or "no sweep"
    lines.append(f"sweep: {sweep}")
    lines.append(fmt.format(*header))
    lines.append(fmt.format(*("-" * w for w in widths)))
    lines += [fmt.format(*row) for row in rows]
    first = plan.runs[0]
    lines.append("")
    ref = first.input.dataset
    lines.append(f"input: {first.input.kind}(d = {first.input.dim})   n = {first.data.n}   "
                 f"n_test = {first.data.n_test}   space: {first.space.kind}")
    if ref is not None:  # the data set's identity, as the run hash holds it
        lines.append(f"data set: {ref.name}{ref.classes} from {ref.source}: {ref.rows} points, inputs "
                     f"{ref.normalization}, labels ±1 (+1 = class {ref.classes[0]}), sha256 {ref.sha256[:16]}, "
                     f"split by data seed {first.data.seed if first.data.seed is not None else 'the run seed'}")
    for name in dict.fromkeys(r.model.name for r in plan.runs):
        run = next(r for r in plan.runs if r.model.name == name)
        m, t = run.model, run.train
        lines.append(f"model {name}: {m.family}, width {m.width}, depth {m.depth}, {m.activation}, "
                     f"{m.scaling} scaling; {t.loss}, {t.penalty.kind}"
                     f"{f' (lambda {t.penalty.lam:g})' if t.penalty.kind != 'none' else ''}, "
                     f"{t.describe()}"
                     f"{f', until {t.stop.metric} < {t.stop.threshold:g}' if t.stop else ''}")
    return "\n".join(lines + _claim_lines(plan) + [""] + _resource_lines(plan))


def _claim_lines(plan) -> list[str]:
    """The spec's claims, as ``mlc fmt`` writes them, with the number each states per sweep point where it depends on
    one (checked after training by ``mlc compile-and-run``; none: nothing)."""
    claims = plan.report.claims
    if not claims:
        return []
    lines = ["", f"claims ({len(claims)}, checked after training on the median over seeds and per seed):"]
    for claim in claims:
        lines.append(f"  {claim.text}")
        for point in claim.value_at:
            where = ", ".join(f"{k} = {plan.param_text(k, v)}" for k, v in point.params.items())
            lines.append(f"    at {where}: {point.value:g}")
    return lines


def _resource_lines(plan) -> list[str]:
    """The resource plan (``compiler.resources``): peak memory, FLOPs and time, as compile-and-run would train it
    on this machine's CPU in float32; the time only once compile-and-run has measured this machine's speed."""
    from mlc.compiler.resource_check import size_text, time_text
    from mlc.compiler.resources import estimate_plan
    from mlc.runtime import machine

    estimate = estimate_plan(plan)
    speed = machine.cached_speed("cpu")
    available = machine.available_memory("cpu")
    largest = max((g.memory.total for g in estimate.groups), default=0)
    lines = [f"resources (float32 on the cpu): peak {size_text(estimate.peak)} = data {size_text(estimate.data)}"
             f" + recorded curves {size_text(estimate.curves)} + largest of {len(estimate.groups)} training "
             f"group{'s' * (len(estimate.groups) != 1)} {size_text(max(largest, estimate.data_transient, estimate.kernels))}"
             f"; {estimate.flops:.3g} FLOPs"]
    if estimate.curve_values:
        lines.append(f"  recorded curves: {estimate.curve_values:,} values, about {size_text(estimate.curves_disk)} "
                     "in the results files")
    for g in estimate.groups:
        m = g.memory
        lines.append(f"  {g.label}: {size_text(m.total)} (parameters {size_text(m.params)}, optimizer "
                     f"{size_text(m.optimizer)}, activations {size_text(m.activations)}, data {size_text(m.data)}), "
                     f"{g.flops:.3g} FLOPs")
    if available is not None:
        verdict = "fits" if estimate.peak <= available else "does NOT fit (compile-and-run refuses it)"
        lines.append(f"  this machine has {size_text(available)} available: the plan {verdict}")
    if speed is not None:
        lines.append(f"  expected time: about {time_text(machine.seconds(estimate, speed))} at the speed measured "
                     f"for {speed.key}")
    else:
        lines.append("  expected time: unknown until compile-and-run has measured this machine's speed (once)")
    return lines


def run(args: argparse.Namespace) -> int:
    from mlc.compiler import ir
    from mlc.compiler.pipeline import compile_path

    if args.emit == "schema":
        print(json.dumps(ir.plan_json_schema(), indent=2))
        return 0
    outcome = compile_path(args.file, stop_after="ast" if args.emit == "ast" else "plan")
    if outcome.rendered:
        print(outcome.rendered, file=sys.stderr)
    if not outcome.ok:
        return outcome.exit_code
    if args.emit == "ast":
        assert outcome.syntax is not None  # an ok outcome has its AST
        if args.json:
            print(json.dumps(_ast_json(outcome.syntax.statements), indent=1))
        else:
            print("\n".join(_ast_lines(outcome.syntax.statements)))
        return 0
    plan = outcome.plan
    assert plan is not None  # an ok outcome that ran to the plan has it
    if args.emit == "ir":
        print(plan.runs[0].model_dump_json(indent=2))
        return 0
    if args.json:
        print(plan.model_dump_json(indent=2))
    else:
        print(_plan_table(plan))
    return 0
