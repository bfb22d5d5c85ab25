"""Jupyter: ``%load_ext mlc`` and the ``%%mlc`` cell magic, which checks and runs the cell's spec and shows its report.

Input:  a notebook cell whose body is a spec and whose magic line holds options
        (``%%mlc [--check] [--store DIR] [--out DIR] [--device cpu|cuda|auto] [--dtype ...] [--rerun] [--no-plots]
        [-o VAR]``); IPython (an optional dependency: ``pip install 'mlc[notebook]'``).
Output: in the notebook: the diagnostics (at the cell's own lines) or the report as a rich table (HTML, with a text
        fallback), the store's line (what was read back, what was trained) and the plots inline (PNG); the spec as
        ``mlc-cells/NAME.ml``, its results in ``runs/NAME/`` and its runs in the results store (``.mlc/`` beside
        the notebook by default), so that running the cell again trains nothing that has not changed.
        ``-o VAR`` puts a :class:`CellRun` (plan, results, folder) into the notebook's variable VAR.
Role:   the notebook face of ``mlc compile-and-run``: the cell is checked here (``compiler.pipeline``), then run by
        the command itself (its store, cache, checkpoints and report files), and its report rendered again from
        the results it wrote. Nothing of the cell is evaluated: it is spec text, compiled like a file.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlc.compiler.ir import Plan
from mlc.runtime.results import ExperimentResult
from mlc.runtime.paths import default_out, safe_name

SPEC_FOLDER = "mlc-cells"
CELL_SOURCE = f"{SPEC_FOLDER}/<mlc cell>"
"""The file name a cell's diagnostics name (``mlc-cells/<mlc cell>:3:5: error[E...]``): in the folder its spec is
written to, so that a ``file("...")`` input is found in the same folder when the cell is checked and when it runs."""
INSTALL_HINT = "the %%mlc magic needs IPython: pip install 'mlc[notebook]'"


@dataclass
class CellRun:
    """What ``%%mlc -o VAR`` keeps: the plan, the results and where they are."""

    plan: Plan
    result: ExperimentResult
    folder: Path  # results.json, runs.csv, plots/
    exit_code: int

    def frame(self) -> Any:
        """The runs as a pandas DataFrame (``mlc.load``; needs ``mlc[frames]``)."""
        import mlc

        return mlc.load(self.folder)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="%%mlc", add_help=False, exit_on_error=False,
                                     description="check and run the cell's spec through the results store")
    parser.add_argument("--check", action="store_true", help="only check the spec (no training)")
    parser.add_argument("--store", metavar="DIR", default=".mlc", help="the results store (default .mlc)")
    parser.add_argument("--out", metavar="DIR", default=None, help="the results folder (default runs/NAME)")
    parser.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--rerun", action="store_true", help="train every run again (replacing what is stored)")
    parser.add_argument("--no-plots", action="store_true", help="draw no plots")
    parser.add_argument("-o", metavar="VAR", dest="var", default=None, help="keep the results in variable VAR")
    return parser


def _display(*objs: Any) -> None:
    from IPython.display import display

    display(*objs)


class _Report:
    """The report as IPython shows it: rich's HTML export, and the same text for a plain front end."""

    def __init__(self, text: str, html: str) -> None:
        self.text, self.html = text, html

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def _report(plan: Plan, result: ExperimentResult) -> _Report:
    """The report's tables (``runtime.report_table``) of ``result``, recorded by a rich console."""
    from mlc.runtime.console import make_console
    from mlc.runtime.report_fit import fit_rates
    from mlc.runtime.report_groups import group_runs
    from mlc.runtime.report_table import print_report

    console = make_console(recording=110)
    groups = group_runs(plan, result.runs)
    print_report(console, plan, result, groups, fit_rates(plan, groups))
    html = console.export_html(inline_styles=True, clear=False)
    return _Report(console.export_text(clear=False), html)


def run_cell(line: str, cell: str, user_ns: dict[str, Any] | None = None) -> CellRun | None:
    """The ``%%mlc`` magic (see the module docstring); returns nothing for IPython to echo."""
    try:
        args = _parser().parse_args(shlex.split(line))
    except (argparse.ArgumentError, SystemExit, ValueError) as exc:
        print(f"%%mlc: error: {exc}\n{_parser().format_usage()}", file=sys.stderr)
        return None
    from mlc.compiler.pipeline import compile_text

    outcome = compile_text(cell, CELL_SOURCE)
    if outcome.rendered:
        print(outcome.rendered, file=sys.stderr)
    if outcome.exit_code != 0 or outcome.plan is None:
        return None
    plan = outcome.plan
    if args.check:
        print(f"{plan.problem}: ok, {len(plan.runs)} run{'s' if len(plan.runs) != 1 else ''}")
        return None
    spec = Path(SPEC_FOLDER) / f"{safe_name(plan.problem)}.ml"
    spec.parent.mkdir(parents=True, exist_ok=True)
    if not spec.exists() or spec.read_text(encoding="utf-8") != cell:
        spec.write_text(cell, encoding="utf-8")
    out = Path(args.out) if args.out else default_out(plan.problem)
    argv = ["compile-and-run", str(spec), "--out", str(out), "--store", args.store, "--device", args.device,
            "--dtype", args.dtype, *(["--rerun"] if args.rerun else []), *(["--no-plots"] if args.no_plots else [])]
    from mlc.runtime.cli import main as mlc_main

    log = io.StringIO()
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        code = mlc_main(argv)
    text = log.getvalue()
    results_json = out / "results.json"
    if not results_json.is_file():
        print(text, file=sys.stderr)
        print(f"%%mlc: error: {plan.problem} wrote no results (exit {code})", file=sys.stderr)
        return None
    from mlc.runtime.report_store import load_results

    result = load_results(results_json)
    _display(_report(plan, result))
    for row in text.splitlines():  # the store's line and the command's warnings, as the command printed them
        if row.startswith(("store ", "warning", "error", "note")):
            print(row)
    if code != 0:
        print(text, file=sys.stderr)
    if not args.no_plots:
        from IPython.display import Image

        for png in sorted((out / "plots").glob("*.png")):
            _display(Image(filename=str(png)))
    kept = CellRun(plan, result, out, code)
    if args.var and user_ns is not None:
        user_ns[args.var] = kept
    return None


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext mlc``: register the ``%%mlc`` cell magic."""

    def mlc(line: str, cell: str) -> None:
        run_cell(line, cell, ipython.user_ns)

    mlc.__doc__ = __doc__
    ipython.register_magic_function(mlc, magic_kind="cell", magic_name="mlc")
