"""``mlc bounds SPEC [--explain] [--json] [--delta 0.05] [--no-estimate-norm]``: the theory, without training.

Input:  a spec path.
Output: for each distinct model configuration of the plan (runs that differ only by seed are grouped), the
        theorems that apply, their hypotheses (✓/✗ with reasons), formulas and values; with ``--explain``
        also the target-norm derivation, data-dependent quantities (kernel λ_min, feature λ_min), the
        infinite-width prediction and the predicted rates; with ``--json`` one record per run of the plan.
        Exit 0 on success, 1 if the spec has errors (the compile diagnostics are printed), 2 on usage errors.
Role:   the front door of ``mlc.compiler.theory``. torch is imported only inside :func:`run` when --explain
        needs data (the CLI imports this module at startup).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from mlc.compiler.options import Options

MAX_EXPLAIN_N = 4000  # largest n for which --explain forms n × n kernel matrices


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", help="spec file (.ml)")
    parser.add_argument("--explain", action="store_true",
                        help="add the norm derivation, data-dependent quantities, infinite-width predictions, rates")
    parser.add_argument("--json", action="store_true", help="machine-readable output: one record per run")
    parser.add_argument("--delta", type=float, default=None,
                        help="failure probability of high-probability bounds (default: the spec's report, 0.05)")
    parser.add_argument("--estimate-norm", action=argparse.BooleanOptionalAction,
                        default=Options().estimate_norms,
                        help="when no rule applies and no `norm <= Q` is declared, estimate the target norm by "
                             "fitting and label it 'estimated' (default: on; a few seconds per target)")


def run(args: argparse.Namespace) -> int:
    from mlc.compiler.pipeline import compile_path

    outcome = compile_path(args.spec)
    if not outcome.ok or outcome.plan is None:
        if outcome.rendered:
            print(outcome.rendered, file=sys.stderr)
        return outcome.exit_code or 1
    plan = outcome.plan
    delta = plan.report.delta if args.delta is None else float(args.delta)
    if not (0.0 < delta < 1.0):
        print(f"mlc bounds: error: --delta must lie in (0, 1); got {args.delta}", file=sys.stderr)
        return 2
    from mlc.compiler.resource_check import judge_theory, size_text
    from mlc.runtime.machine import available_memory

    memory = available_memory("cpu")  # the theory's vectors before it allocates them (a huge d)
    refused = judge_theory(plan, outcome.spec, memory, f"the machine has {size_text(memory or 0)} available",
                           estimate_norms=args.estimate_norm) if outcome.spec is not None else []
    if refused:
        from mlc.dsl.diagnostics import render_all

        print(render_all(refused, outcome.path, outcome.source), file=sys.stderr)
        return 1
    try:
        report = build_report(plan, delta=delta, explain=args.explain, estimate=args.estimate_norm)
    except Exception as exc:  # noqa: BLE001 - no traceback reaches the user
        print(f"mlc bounds: internal error while evaluating the theory: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    text = json.dumps(report, indent=2, ensure_ascii=False, default=_json_default) if args.json else \
        render_text(report, explain=args.explain)
    print(text)  # a closed stdout (`| head`) is handled once, in mlc.runtime.cli
    return 0


def _json_default(v: Any) -> str:
    """Values JSON does not know (numpy scalars, paths) as text."""
    return str(v)


# ----------------------------------------------------------------------------------------------
# Building the report (data only)
# ----------------------------------------------------------------------------------------------


_UNGROUPED = ("index", "hash", "seed", "params")
"""Run fields that do not separate configurations: the position, the hash, the seed (and ``params`` is compared
without its seed)."""


def group_key(run: Any, sections: Any = None) -> str:
    """Runs that share everything but the seed share a key: the canonical JSON of each other field, in order.
    ``sections(name, value)``, when given, returns the canonical JSON of a field's value (cached per object by
    :func:`build_report`, so that an object the runs share is serialised once); the key is the same text."""
    from mlc.compiler.ir.hashing import canonical_json

    dump = sections or (lambda name, value: canonical_json(value))
    parts = [f"{name}={dump(name, getattr(run, name))}" for name in type(run).model_fields if name not in _UNGROUPED]
    parts.append(f"params={canonical_json({k: v for k, v in run.params.items() if k != 'seed'})}")
    return "|".join(parts)


def build_report(plan: Any, *, delta: float, explain: bool = False, estimate: bool = False) -> dict[str, Any]:
    """Everything ``mlc bounds`` prints, as a JSON-able dict (groups with their runs).

    The theorems are evaluated by ``compiler.theory.evaluate_run_bounds`` (the executor's evaluation too);
    the predicted rates are the plan's (``plan.rates``, computed at compile time).
    """
    from mlc.compiler.theory import evaluate_run_bounds
    from mlc.compiler.lower.norm_fit import norm_cache
    from mlc.compiler.theory.rates import slice_of
    from pydantic import BaseModel

    from mlc.compiler.ir.hashing import canonical_json

    groups: dict[str, list[Any]] = {}
    dumped: dict[int, str] = {}  # a sweep's runs share their IR objects (the plan keeps them): each serialised once

    def once(name: str, value: Any) -> str:
        if not isinstance(value, BaseModel):
            return canonical_json(value)
        found = dumped.get(id(value))
        if found is None:
            found = dumped[id(value)] = canonical_json(value)
        return found

    for r in plan.runs:
        groups.setdefault(group_key(r, once), []).append(r)
    out_groups: list[dict[str, Any]] = []
    out_runs: list[dict[str, Any]] = []
    norms = norm_cache(Options(estimate_norms=estimate))
    datasets: dict[str, Any] = {}  # data drawn once per data key (the configurations of a width sweep share it)
    for runs in groups.values():
        rep = runs[0]
        norm = norms.get(rep)
        metrics: dict[str, float] = {}
        extra: dict[str, Any] = {}
        if explain:
            metrics, extra = data_quantities(rep, datasets)
        bounds = evaluate_run_bounds(rep, plan, metrics, delta=delta, norm=norm)
        theorems = [bv.model_dump(mode="json") for bv in bounds]
        group = {
            "model": rep.model.name, "family": rep.model.family, "describe": describe_run(rep),
            "runs": [r.index for r in runs], "seeds": [r.seed for r in runs],
            "params": {k: v for k, v in rep.params.items() if k != "seed"},
            "norm": _norm_dict(norm, steps=True), "theorems": theorems,
        }
        if explain:
            group["data"] = extra
            group["rates"] = [p.model_dump(mode="json") for p in plan.rates
                              if p.model == rep.model.name and p.fixed == slice_of(plan, rep.params, p.axis)]
        out_groups.append(group)
        for r in runs:
            out_runs.append({
                "index": r.index, "hash": r.hash, "model": r.model.name, "seed": r.seed, "params": dict(r.params),
                "norm": _norm_dict(norm, steps=False),
                "bounds": [{k: v for k, v in t.items() if k != "hypotheses"} for t in theorems],
            })
    return {"problem": plan.problem, "spec_hash": plan.spec_hash, "delta": delta, "groups": out_groups,
            "runs": sorted(out_runs, key=lambda x: x["index"])}


def _norm_dict(norm: Any, steps: bool) -> dict[str, Any]:
    d = {"space": norm.space, "value": norm.value, "method": norm.method, "warnings": list(norm.warnings),
         "unverified": norm.unverified}
    if steps:
        d["steps"] = list(norm.steps)
    return d


def describe_run(run: Any) -> str:
    """A one-line description of a model configuration."""
    from mlc.compiler import families

    m = run.model
    parts = [f"{m.family}(width = {m.width}"]
    if "depth" in families.get(m.family).settings:
        parts.append(f"depth = {m.depth}")
    parts.append(f"scaling = {m.scaling})")
    tr = run.train
    pen = "" if tr.penalty.kind == "none" else f", penalty {tr.penalty.kind}(λ = {tr.penalty.lam:g})"
    return (", ".join(parts) + f"; n = {run.data.n}, d = {run.input.dim}, loss {tr.loss}, "
            f"{tr.describe()}{pen}")


def data_quantities(run: Any, datasets: dict[str, Any] | None = None) -> tuple[dict[str, float], dict[str, Any]]:
    """Sample the run's data (seed = the run's seed) and compute what data-dependent theorems need.
    ``datasets``: data sets already drawn, by data key (filled in)."""
    if run.data.n > MAX_EXPLAIN_N:
        return {}, {"skipped": f"n = {run.data.n} > {MAX_EXPLAIN_N}: kernel matrices not formed"}
    if run.input.kind == "grid" and (run.input.points or 101) > MAX_EXPLAIN_N:
        return {}, {"skipped": "grid too large"}
    import torch

    from mlc.compiler.lower.samplers import data_key, make_dataset
    from mlc.runtime.execute import SMALL_CLOSED_FORM_ELEMENTS

    datasets = {} if datasets is None else datasets
    key = data_key(run.input, run.data, run.target, run.seed)
    if key not in datasets:
        datasets[key] = make_dataset(run.input, run.data, run.target, run.seed)
    ds = datasets[key]
    # Small decompositions on one thread, as the executor's closed forms (runtime.execute.group_threads): LAPACK's
    # thread barriers cost more than they gain at these sizes, most on a shared machine.
    small = run.data.n * max(run.model.width, run.data.n, run.data.n_test) <= SMALL_CLOSED_FORM_ELEMENTS
    previous = torch.get_num_threads()
    if small and previous != 1:
        torch.set_num_threads(1)
    try:
        return _data_quantities(run, ds)
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)


def _data_quantities(run: Any, ds: Any) -> tuple[dict[str, float], dict[str, Any]]:
    import torch

    from mlc.compiler import metrics as metrics_registry
    from mlc.compiler.lower import families as lowered
    from mlc.compiler.lower.measure import rf_lambda_min
    from mlc.compiler.theory.kernels import has_kernel, infinite_width_prediction, kernel_lambda_min

    metrics: dict[str, float] = {}
    extra: dict[str, Any] = {}
    if has_kernel(run.model):
        metrics["kernel_lambda_min"] = kernel_lambda_min(run, ds.x_train)
        extra["kernel_lambda_min"] = metrics["kernel_lambda_min"]
    if metrics_registry.applies("lambda_min", run.model.family):
        params = lowered.init_member(run, torch.Generator().manual_seed(int(run.seed)))
        params = {k: v.unsqueeze(0) for k, v in params.items()}
        metrics["rf_lambda_min"] = rf_lambda_min(run, params, ds.x_train)
        extra["rf_lambda_min"] = metrics["rf_lambda_min"]
        extra["rf_lambda_min_note"] = "one feature draw (generator seeded with the run's seed), not necessarily the run's own"
    n_test = min(ds.x_test.shape[0], 2000)
    pred = infinite_width_prediction(run, ds.x_train, ds.y_train, ds.x_test[:n_test], ds.f_test[:n_test])
    extra["infinite_width"] = pred
    return metrics, extra


# ----------------------------------------------------------------------------------------------
# Text rendering
# ----------------------------------------------------------------------------------------------

KIND_LABEL = {
    "upper": "upper bound", "upper_rate": "upper bound, rate only", "lower": "lower bound",
    "lower_rate": "lower bound, rate only", "a_posteriori": "a posteriori", "prediction": "prediction",
}


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        return f"{v:.4g}"
    return str(v)


def render_text(report: dict[str, Any], explain: bool = False) -> str:
    """The human-readable form of :func:`build_report`'s result."""
    lines: list[str] = []
    ngroups = len(report["groups"])
    nruns = len(report["runs"])
    lines.append(f"problem {report['problem']}: {nruns} run{'s' if nruns != 1 else ''} in {ngroups} "
                 f"configuration{'s' if ngroups != 1 else ''} (seeds grouped); δ = {report['delta']:g}")
    lines.append(NOTATION)
    seen_norms: set[str] = set()
    for g in report["groups"]:
        lines.append("")
        lines.extend(render_group(g, explain, seen_norms))
    return "\n".join(lines)


NOTATION = ("errors are MSE = mean (f − f*)²; logs are natural; d_eff = d + 1 with biases; "
            "rate-only values set unknown constants to 1")
"""The conventions line under the report's header."""


def render_norm(norm: dict[str, Any], explain: bool, seen_norms: set[str]) -> list[str]:
    """The target-norm lines of one configuration: the bound, its derivation (with ``explain``, once per distinct
    derivation in ``seen_norms``; always when no norm is known) and its warnings."""
    lines: list[str] = []
    label = f"‖f*‖_{norm['space']} ≤ {_fmt(norm['value'])} ({norm['method']})" if norm["value"] is not None \
        else f"‖f*‖_{norm['space']}: none"
    if norm["unverified"]:
        label += " [unverified constant]"
    lines.append(f"  target norm: {label}")
    nkey = json.dumps(norm["steps"])
    if explain and nkey not in seen_norms:
        seen_norms.add(nkey)
        for st in norm["steps"]:
            lines.append(f"      {st}")
    elif norm["method"] == "none":
        for st in norm["steps"]:
            lines.append(f"      {st}")
    for w in norm["warnings"]:
        lines.append(f"  warning: {w}")
    return lines


def render_theorem(th: dict[str, Any]) -> list[str]:
    """One theorem of a configuration: holds or not, citation, each hypothesis (✓/✗ with the reason it fails),
    the formula and its value."""
    lines: list[str] = []
    mark = "✓" if th["holds"] else "✗"
    unv = " [unverified constant]" if th["unverified"] else ""
    lines.append(f"  {mark} {th['theorem']:<5} {th['title']} ({KIND_LABEL.get(th['kind'], th['kind'])}){unv}")
    lines.append(f"          {th['citation']}")
    for h in th["hypotheses"]:
        lines.append(f"          {'✓' if h['ok'] else '✗'} {h['name']}" + ("" if h["ok"] else f": {h['message']}"))
    if th["text"]:
        value = f" = {_fmt(th['value'])}" if th["value"] is not None else ""
        lines.append(f"          {th['quantity']} ≤ {th['text']}{value}" if th["kind"] in ("upper", "upper_rate", "a_posteriori")
                     else f"          {th['quantity']}: {th['text']}{value}")
    elif th["value"] is not None:
        lines.append(f"          {th['quantity']} = {_fmt(th['value'])}")
    if th["note"]:
        lines.append(f"          note: {th['note']}")
    return lines


def render_group(g: dict[str, Any], explain: bool, seen_norms: set[str]) -> list[str]:
    """The lines of one configuration (a group of :func:`build_report`): what it is, the target norm, the
    theorems, and with ``explain`` the data-dependent quantities and the predicted rates."""
    lines: list[str] = []
    runs = g["runs"]
    span = f"run {runs[0]}" if len(runs) == 1 else f"runs {', '.join(str(i) for i in runs)}"
    params = ", ".join(f"{k} = {v:g}" for k, v in g["params"].items())
    lines.append(f"▸ {g['model']}{' [' + params + ']' if params else ''} ({span})")
    lines.append(f"  {g['describe']}")
    lines.extend(render_norm(g["norm"], explain, seen_norms))
    for th in g["theorems"]:
        lines.extend(render_theorem(th))
    if explain:
        data = g.get("data", {})
        if "skipped" in data:
            lines.append(f"  data: {data['skipped']}")
        for key in ("kernel_lambda_min", "rf_lambda_min"):
            if key in data:
                lines.append(f"  {key} = {_fmt(data[key])}")
        iw = data.get("infinite_width")
        if iw:
            if iw.get("available"):
                lines.append(f"  infinite width ({iw['kernel']}): {iw['regime']}")
                lines.append(f"      predicted test MSE {_fmt(iw.get('predicted_test_error'))}"
                             + (f" (mean predictor {_fmt(iw['mean_test_error'])} + init variance "
                                f"{_fmt(iw['init_variance'])})" if "mean_test_error" in iw else "")
                             + f"; min-norm interpolant {_fmt(iw.get('min_norm_test_error'))}")
                if "t_det_steps" in iw:
                    lines.append(f"      slowest kernel mode learned after ≈ {_fmt(iw['t_det_steps'])} steps (T18)")
            else:
                lines.append(f"  infinite width: {iw.get('reason', 'n/a')}")
        for r in g.get("rates", []):
            unv = " [unverified]" if r["unverified"] else ""
            varies = "" if r["axis"] == r["quantity"] else f"{r['axis']} varies {r['quantity']}; "
            lines.append(f"  rate: {r['metric']} ∝ {r['axis']}^{r['exponent']:.3g} ({varies}{r['relation']}, "
                         f"{r['theorem']}: {r['regime']}){unv}")
    return lines
