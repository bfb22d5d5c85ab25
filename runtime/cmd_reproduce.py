"""``mlc reproduce PATH``: rerun a folder of paper specs, or one stored result, and say what reproduces.

Input:  PATH, one of
        * a folder of specs (``specs/paper``): every ``*.ml`` in it, run in name order;
        * a ``results.json`` (or the folder holding one) written by ``mlc compile-and-run``: the result to rerun.
        Options: --out, --store, --device, --dtype, --no-plots, --checks fail|warn, --rtol, --atol.
Output: for a folder: each spec through ``mlc compile-and-run`` (the results store: finished runs are read back,
        not retrained), its console report in ``OUT/<spec>/report.txt``, its results and plots in ``OUT/<spec>/``,
        and one ``OUT/REPRODUCTION.md`` that lists, per spec, what it reproduces (its header comment), the
        read-outs' checks with verdict (holds / fails / not testable, and why) and numbers, and the figures.
        For a stored result: the spec it records (its hash must still match), every run retrained in a fresh
        store, and each recorded metric compared with the new value (``OUT/COMPARISON.md`` and the console).
        The report lists the specs' own claims (their ``claims`` sections) with their verdicts too.
        Exit 0 when everything ran and every check and claim holds or is not testable (and, for a stored result,
        every number matches within the tolerance); 1 when a spec has errors, a run failed, a check or a claim
        fails (unless ``--checks warn``) or a number differs; 2 on usage errors (no such path, nothing to reproduce).
Role:   the reproduction step of issue 11 (docs/reproduce.md). Training goes through ``mlc compile-and-run``;
        the checks are :mod:`mlc.runtime.reproduce_checks` on the read-outs of :mod:`mlc.runtime.report_readouts`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlc.runtime.reproduce_checks import Check, all_checks

REPORT_MD = "REPRODUCTION.md"
COMPARISON_MD = "COMPARISON.md"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH",
                        help="a folder of specs (e.g. specs/paper), or a results.json (or its folder) to rerun")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="where the reproduction goes (default: runs/reproduce/<folder name>, or "
                             "<results folder>/reproduced for a stored result)")
    parser.add_argument("--store", metavar="DIR", default=None,
                        help="the results store of a spec folder (default: .mlc/ in the folder); a stored result "
                             "is always retrained in a fresh store")
    parser.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto", help="where to train")
    parser.add_argument("--dtype", choices=("float32", "float64"), default=None,
                        help="default: float32, or the dtype a stored result records")
    parser.add_argument("--no-plots", action="store_true", help="do not draw plots")
    parser.add_argument("--checks", choices=("fail", "warn"), default="fail",
                        help="fail (default): exit 1 when a check fails; warn: only report it")
    parser.add_argument("--rtol", type=float, default=1e-6,
                        help="relative tolerance when a stored result's numbers are compared (default 1e-6)")
    parser.add_argument("--atol", type=float, default=1e-12,
                        help="absolute tolerance of the comparison, for numbers near 0 (default 1e-12)")


def _error(message: str, code: int = 2) -> int:
    print(f"mlc reproduce: error: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if not path.exists():
        return _error(f"{path}: no such file or folder (give a folder of specs or a results.json)")
    if not (args.rtol >= 0 and args.atol >= 0 and math.isfinite(args.rtol) and math.isfinite(args.atol)):
        return _error("--rtol and --atol must be finite numbers ≥ 0")
    if path.is_dir() and sorted(path.glob("*.ml")):
        return _reproduce_folder(path, args)
    results = path / "results.json" if path.is_dir() else path
    if results.is_file() and results.suffix == ".json":
        return _reproduce_result(results, args)
    if path.is_dir():
        return _error(f"{path}: no spec (*.ml) and no results.json in this folder: nothing to reproduce")
    return _error(f"{path}: not a folder of specs or a results.json (a single spec runs with "
                  "`mlc compile-and-run`)")


# -------------------------------------------------------------------------------------------- a spec folder

@dataclass
class SpecOutcome:
    """One spec of a reproduced folder."""

    spec: Path
    name: str
    status: int
    seconds: float
    out: Path
    header: list[str]
    store_line: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)  # the spec's own claims, as summary.json has them
    problem: str = ""


def header_comment(text: str) -> list[str]:
    """The spec's leading comment lines (what it reproduces, what was reduced), without the ``#``."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        lines.append(stripped.lstrip("#").strip())
    return lines


def _run_spec(spec: Path, out: Path, store: Path, args: argparse.Namespace) -> tuple[int, str]:
    from mlc.runtime.cli import main as mlc_main

    out.mkdir(parents=True, exist_ok=True)
    log = out / "report.txt"
    # --claims warn: a failed claim is judged here with the read-outs' checks (and --checks), not by the exit
    argv = ["compile-and-run", str(spec), "--out", str(out), "--store", str(store), "--device", args.device,
            "--dtype", args.dtype or "float32", "--claims", "warn"]
    if args.no_plots:
        argv.append("--no-plots")
    with open(log, "w", encoding="utf-8") as handle, contextlib.redirect_stdout(handle), \
            contextlib.redirect_stderr(handle):
        status = mlc_main(argv)
    store_line = next((line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("store ")),
                      "")
    return status, store_line


def _reproduce_folder(folder: Path, args: argparse.Namespace) -> int:
    from mlc.compiler.pipeline import compile_path
    from mlc.runtime.paths import safe_name

    specs = sorted(folder.glob("*.ml"))
    broken = 0
    for spec in specs:  # every spec is checked before anything trains
        outcome = compile_path(str(spec))
        if outcome.exit_code != 0 or outcome.plan is None:
            if outcome.rendered:
                print(outcome.rendered, file=sys.stderr)
            broken += 1
    if broken:
        return _error(f"{broken} of {len(specs)} spec(s) in {folder} have errors (above); nothing was run", 1)
    out = Path(args.out) if args.out else Path("runs") / "reproduce" / safe_name(folder.resolve().name)
    store = Path(args.store) if args.store else folder / ".mlc"
    outcomes: list[SpecOutcome] = []
    start = time.perf_counter()
    for spec in specs:
        t0 = time.perf_counter()
        spec_out = out / safe_name(spec.stem)
        status, store_line = _run_spec(spec, spec_out, store, args)
        item = SpecOutcome(spec=spec, name=spec.stem, status=status, seconds=time.perf_counter() - t0, out=spec_out,
                           header=header_comment(spec.read_text(encoding="utf-8")), store_line=store_line)
        summary_path = spec_out / "summary.json"
        if summary_path.exists():
            try:
                item.summary = json.loads(summary_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                print(f"mlc reproduce: warning: {summary_path}: unreadable ({exc})", file=sys.stderr)
        item.problem = str(item.summary.get("problem", spec.stem))
        item.checks = all_checks(item.summary.get("readouts", {}))
        item.claims = list(item.summary.get("claims", []))
        outcomes.append(item)
        verdicts = _verdict_counts(item.checks)
        claims = _verdict_counts(item.claims)
        print(f"{spec.name}: exit {status}, {item.seconds:.0f} s; {store_line.split(': ', 1)[-1] or 'no store line'}; "
              f"checks: {verdicts}; claims: {claims}")
    report = out / REPORT_MD
    out.mkdir(parents=True, exist_ok=True)
    report.write_text(render_folder(folder, outcomes, time.perf_counter() - start), encoding="utf-8")
    failed_specs = [o for o in outcomes if o.status != 0]
    failed_checks = [c for o in outcomes for c in o.checks if c.verdict == "fails"]
    failed_claims = [(o, c) for o in outcomes for c in o.claims if c.get("verdict") == "fails"]
    print(f"reproduction report: {report}")
    for o in failed_specs:
        print(f"mlc reproduce: {o.spec} exited {o.status}; its output is in {o.out / 'report.txt'}", file=sys.stderr)
    for c in failed_checks:
        print(f"mlc reproduce: check fails: {c.statement}: {c.reason}", file=sys.stderr)
    for o, claim in failed_claims:
        print(f"mlc reproduce: claim fails: {o.name}: {claim.get('claim')}", file=sys.stderr)
    if failed_specs:
        return 1
    if (failed_checks or failed_claims) and args.checks == "fail":
        return 1
    return 0


def _verdict_counts(checks: list[Check] | list[dict[str, Any]]) -> str:
    if not checks:
        return "none"
    counts: dict[str, int] = {}
    for c in checks:
        verdict = str(c.get("verdict")) if isinstance(c, dict) else c.verdict
        counts[verdict] = counts.get(verdict, 0) + 1
    return ", ".join(f"{n} {v}" for v, n in counts.items())


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def claim_slices(claim: dict[str, Any]) -> list[str]:
    """One line per slice of a claim (as summary.json holds it): where, the verdict, the measured number, and how
    many seeds hold."""
    pieces = []
    for piece in claim.get("slices", []):
        where = str(piece.get("where", ""))
        seeds = piece.get("seeds") or []
        held = sum(1 for seed in seeds if seed.get("verdict") == "holds")
        detail = piece.get("detail") or ""
        pieces.append(f"{where}: {piece.get('verdict')}" + (f", {detail}" if detail else "")
                      + (f", {held}/{len(seeds)} seeds hold" if seeds else ""))
    return pieces


def render_folder(folder: Path, outcomes: list[SpecOutcome], seconds: float) -> str:
    """The reproduction report of a spec folder, as Markdown."""
    lines = [f"# Reproduction: `{folder}`", ""]
    env = next((o.summary.get("environment") for o in outcomes if o.summary.get("environment")), None)
    if env:
        lines += [f"mlc {env.get('mlc_version')}, torch {env.get('torch')}, python {env.get('python')}, "
                  f"device {env.get('device')}, dtype {env.get('dtype')}; total wall time {seconds:.0f} s.", ""]
    checks = [(o, c) for o in outcomes for c in o.checks]
    lines += ["## Summary", "", "| spec | theorem | statement | verdict | numbers |", "|---|---|---|---|---|"]
    for o, c in checks:
        verdict = c.verdict + (f" ({c.reason})" if c.reason else "")
        lines.append(f"| {o.name} | {c.theorem} | {_md_cell(c.statement)} | {_md_cell(verdict)} | "
                     f"{_md_cell(c.numbers)} |")
    claimed = [(o, c) for o in outcomes for c in o.claims]
    if claimed:
        lines += ["", "### The specs' claims", "", "| spec | claim | verdict | numbers |", "|---|---|---|---|"]
        for o, claim in claimed:
            verdict = str(claim.get("verdict")) + (f" ({claim['reason']})" if claim.get("reason") else "")
            lines.append(f"| {o.name} | `{_md_cell(str(claim.get('claim')))}` | {_md_cell(verdict)} | "
                         f"{_md_cell('; '.join(claim_slices(claim)))} |")
    no_checks = [o.name for o in outcomes if not o.checks and not o.claims]
    if no_checks:
        lines += ["", "Specs with no read-out to check (their tables and figures are below): "
                  + ", ".join(no_checks) + "."]
    for o in outcomes:
        lines += ["", f"## {o.name}", ""]
        if o.header:
            lines += ["> " + " ".join(o.header), ""]
        runs = o.summary.get("runs", {})
        lines.append(f"Spec `{o.spec}`, exit {o.status}, {o.seconds:.0f} s; {runs.get('done', '?')} of "
                     f"{runs.get('planned', '?')} runs ({runs.get('excluded', 0)} excluded); "
                     f"{o.store_line or 'no store line'}. Full report: `{o.out / 'report.txt'}`.")
        for claim in o.claims:
            lines += ["", f"- **claim `{claim.get('claim')}`**: {claim.get('verdict')}"
                      + (f" ({claim['reason']})" if claim.get("reason") else "") + "."]
            lines += [f"  - {piece}" for piece in claim_slices(claim)]
        for c in o.checks:
            lines += ["", f"- **{c.theorem}: {c.statement}**: {c.verdict}"
                      + (f" ({c.reason})" if c.reason else "") + f". {c.numbers}."]
            lines += [f"  - {s}" for s in c.per_seed]
        rates = [r for r in o.summary.get("rates", []) if r.get("slope") is not None or r.get("note")]
        if rates:
            lines += ["", "| model | fit | slope | interval | theory | note |", "|---|---|---|---|---|---|"]
            for r in rates:
                theory = r.get("theory") or {}
                pred = f"{theory.get('theorem')} {theory.get('relation')} {theory.get('exponent'):.3g}" \
                    if theory else "—"
                interval = r.get("interval") or ["—", "—"]
                slope = f"{r['slope']:+.3f}" if r.get("slope") is not None else "—"
                lo_hi = ", ".join(f"{v:+.2f}" if isinstance(v, (int, float)) else str(v) for v in interval)
                lines.append(f"| {r['model']} | {r['metric']} ~ {r['axis']} | {slope} | [{lo_hi}] | {pred} | "
                             f"{_md_cell(str(r.get('note') or r.get('comparison') or ''))} |")
        pngs = [Path(f) for f in o.summary.get("files", []) if str(f).endswith(".png")]
        for png in pngs:
            try:
                rel = png.resolve().relative_to(o.out.resolve().parent)
            except ValueError:
                rel = png
            lines += ["", f"![{png.stem}]({rel.as_posix()})"]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ a stored result

def compare_metrics(recorded: dict[str, float], now: dict[str, float], rtol: float,
                    atol: float) -> list[tuple[str, float, float | None, float]]:
    """The metrics of one run that differ: (metric, recorded, now or None if missing, relative difference)."""
    diffs: list[tuple[str, float, float | None, float]] = []
    for name, old in sorted(recorded.items()):
        new = now.get(name)
        if new is None:
            diffs.append((name, old, None, math.inf))
            continue
        if (math.isnan(old) and math.isnan(new)) or old == new:
            continue
        rel = abs(new - old) / max(abs(old), atol) if math.isfinite(old) and math.isfinite(new) else math.inf
        if rel > rtol and abs(new - old) > atol:
            diffs.append((name, old, new, rel))
    return diffs


def _reproduce_result(results_path: Path, args: argparse.Namespace) -> int:
    from mlc.compiler.pipeline import compile_path
    from mlc.runtime.results import ExperimentResult

    try:
        recorded = ExperimentResult.model_validate_json(results_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return _error(f"{results_path}: not a results.json written by mlc compile-and-run ({first})")
    spec = Path(recorded.spec_path)
    candidates = [spec] if spec.is_absolute() else [spec, results_path.parent / spec]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        return _error(f"{results_path}: the spec it records, {recorded.spec_path}, is not found (looked in "
                      + ", ".join(str(c) for c in candidates) + ")")
    outcome = compile_path(str(found))
    if outcome.exit_code != 0 or outcome.plan is None:
        if outcome.rendered:
            print(outcome.rendered, file=sys.stderr)
        return _error(f"{found} has errors (above): the result cannot be rerun", 1)
    if outcome.plan.spec_hash != recorded.spec_hash:
        return _error(f"{found} changed since {results_path} was written (spec hash {recorded.spec_hash} recorded, "
                      f"{outcome.plan.spec_hash} now): its numbers are not the same experiment's; restore the "
                      "spec (e.g. from version control) to reproduce them", 1)
    ok = [r for r in recorded.runs if r.status == "ok"]
    if not ok:
        return _error(f"{results_path}: no finished run to reproduce", 1)
    out = Path(args.out) if args.out else results_path.parent / "reproduced"
    args.dtype = args.dtype or recorded.environment.dtype or "float32"
    with tempfile.TemporaryDirectory(prefix="mlc-reproduce-") as fresh:
        status, store_line = _run_spec(found, out, Path(fresh) / ".mlc", args)
    new_path = out / "results.json"
    if not new_path.exists():
        return _error(f"the rerun wrote no results (exit {status}); see {out / 'report.txt'}", 1)
    again = ExperimentResult.model_validate_json(new_path.read_text(encoding="utf-8"))
    by_hash = {r.hash: r for r in again.runs}
    rows: list[tuple[int, str, str, float, float | None, float]] = []
    compared = 0
    for run in ok:
        rerun = by_hash.get(run.hash)
        if rerun is None or rerun.status != "ok":
            rows.append((run.index, run.hash, "(run)", math.nan, None, math.inf))
            continue
        compared += len(run.metrics)
        rows += [(run.index, run.hash, *d) for d in compare_metrics(run.metrics, rerun.metrics, args.rtol, args.atol)]
    env, env2 = recorded.environment, again.environment
    lines = [f"# Reproduction of `{results_path}`", "",
             f"Spec `{found}` (hash {recorded.spec_hash}, unchanged). Recorded: mlc {env.mlc_version}, torch "
             f"{env.torch}, {env.device}, {env.dtype}, {recorded.started_at}. Rerun: mlc {env2.mlc_version}, torch "
             f"{env2.torch}, {env2.device}, {env2.dtype}, every run retrained in a fresh store (exit {status}).", "",
             f"{len(ok)} runs, {compared} numbers compared with rtol {args.rtol:g}, atol {args.atol:g}: "
             f"{len(rows)} differ.", ""]
    if rows:
        lines += ["| run | hash | metric | recorded | now | relative difference |", "|---|---|---|---|---|---|"]
        for index, h, name, old, new, rel in rows:
            lines.append(f"| {index} | {h} | {name} | {old:.6g} | {'missing' if new is None else f'{new:.6g}'} | "
                         f"{rel:.3g} |")
    out.mkdir(parents=True, exist_ok=True)
    (out / COMPARISON_MD).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{results_path}: {len(ok)} runs retrained, {compared} numbers compared: "
          + ("all match" if not rows else f"{len(rows)} differ") + f" (rtol {args.rtol:g}); {out / COMPARISON_MD}")
    for index, _h, name, old, new, rel in rows[:10]:
        print(f"  run {index} {name}: recorded {old:.6g}, now {'missing' if new is None else f'{new:.6g}'} "
              f"(relative difference {rel:.3g})")
    if status != 0:
        print(f"mlc reproduce: the rerun exited {status}; see {out / 'report.txt'}", file=sys.stderr)
        return 1
    return 1 if rows else 0
