"""``mlc weave PAPER.tex|PAPER.md [--frozen] [-o WOVEN]``: run the specs a paper embeds, write their results into it.

Input:  a LaTeX or Markdown document with embedded specs and references to their results (docs/papers.md).
Output: the woven document (``PAPER-woven.tex`` or ``PAPER-woven.md`` beside the paper, or ``-o``; for LaTeX
        also ``mlc.sty`` beside it) and the results folder ``PAPER-mlc/``: each spec as ``NAME.ml``, its results
        (``NAME/results.json``, runs.csv, plots) and log (``NAME.log``), and the results store (``.mlc/``), so a
        second weave retrains nothing that has not changed. Numbers come from the store (``runtime.weave_store``).
        ``--frozen`` runs nothing and imports no torch: it weaves from the store alone (the figures drawn again
        from the stored runs) and fails with the list of what is missing (arXiv, Overleaf).
        Exit 0; 1 when a spec or a reference has errors (at the document's file and line) or a run failed;
        2 on usage errors.
Role:   the paper's build step. Training goes through ``mlc compile-and-run`` (the results store, its cache and
        its report and plots); this module only reads the document (:mod:`mlc.runtime.weave_doc`), checks the
        specs where they stand in it, and writes results back (:mod:`mlc.runtime.weave_render`).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mlc.compiler.ir import Plan
from mlc.runtime.weave_doc import Document, SpecBlock, WeaveError, read_document

if TYPE_CHECKING:
    from mlc.runtime.weave_render import SpecResults


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paper", metavar="PAPER", help="the document: .tex (LaTeX) or .md (Markdown)")
    parser.add_argument("--frozen", action="store_true",
                        help="run nothing: weave from the results store PAPER-mlc/.mlc only (no torch); "
                             "fail with the list of what is missing")
    parser.add_argument("-o", "--output", metavar="FILE", help="the woven document (default: PAPER-woven.tex|md)")
    parser.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto", help="where to train")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")


def results_folder(paper: Path) -> Path:
    """Where a paper's results live: ``PAPER-mlc/`` beside it."""
    return paper.with_name(paper.stem + "-mlc")


def run(args: argparse.Namespace) -> int:
    paper = Path(args.paper)
    if paper.suffix not in (".tex", ".md"):
        print(f"mlc weave: error: {args.paper}: a paper is a .tex or .md file", file=sys.stderr)
        return 2
    try:
        text = paper.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"mlc weave: error: cannot read {args.paper}: {exc.strerror if isinstance(exc, OSError) else exc}",
              file=sys.stderr)
        return 2
    try:
        doc = read_document(str(paper), text)
    except WeaveError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    if not doc.specs:
        print(f"mlc weave: error: {args.paper} embeds no spec (\\begin{{mlcspec}}{{NAME}}, ```mlc NAME, "
              "or \\mlcinclude{NAME}{FILE.ml}; see docs/papers.md)", file=sys.stderr)
        return 1
    plans = _check_specs(doc)
    if plans is None:
        return 1
    folder = results_folder(paper)
    woven = Path(args.output) if args.output else paper.with_name(f"{paper.stem}-woven{paper.suffix}")
    start = time.perf_counter()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        results = (_frozen(doc, plans, folder, args.dtype, draw=True) if args.frozen
                   else _run_all(doc, plans, folder, args))
        if results is None:
            return 1
        from mlc.runtime.weave_render import weave_text

        out_text = weave_text(doc, results, woven)
        woven.write_text(out_text, encoding="utf-8")
        if doc.format == "tex":
            from mlc.runtime.cmd_export import STY_NAME, sty_text

            (woven.parent / STY_NAME).write_text(sty_text(), encoding="utf-8")
    except WeaveError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"mlc weave: error: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {woven} ({len(doc.specs)} spec{'s' if len(doc.specs) != 1 else ''}, {len(doc.refs)} "
          f"reference{'s' if len(doc.refs) != 1 else ''}; results in {folder}) in {time.perf_counter() - start:.1f} s")
    return 0


def _check_specs(doc: Document) -> dict[str, Plan] | None:
    """Every spec compiled where it stands: diagnostics name the document (or the included file) and its line."""
    from mlc.compiler.pipeline import compile_text

    plans: dict[str, Plan] = {}
    failed = False
    for spec in doc.specs:
        # Blank lines before the text put each of its lines at its line number in the document.
        outcome = compile_text("\n" * (spec.first_line - 1) + spec.text, spec.source)
        if outcome.rendered:
            print(outcome.rendered, file=sys.stderr)
        if outcome.exit_code != 0 or outcome.plan is None:
            failed = True
            continue
        plans[spec.name] = outcome.plan
    return None if failed else plans


def _spec_file(spec: SpecBlock, folder: Path) -> Path:
    """The spec as a file in the results folder (rewritten only when its text changed)."""
    path = folder / f"{spec.name}.ml"
    if not path.exists() or path.read_text(encoding="utf-8") != spec.text:
        path.write_text(spec.text, encoding="utf-8")
    return path


def _run_all(doc: Document, plans: dict[str, Plan], folder: Path, args: argparse.Namespace) -> dict[str, SpecResults] | None:
    """Each spec through ``mlc compile-and-run`` (the store under ``folder/.mlc``); its console output to a log."""
    from mlc.runtime.cli import main as mlc_main

    for spec in doc.specs:
        spec_path = _spec_file(spec, folder)
        log = folder / f"{spec.name}.log"
        argv = ["compile-and-run", str(spec_path), "--out", str(folder / spec.name), "--store", str(folder / ".mlc"),
                "--device", args.device, "--dtype", args.dtype]
        with open(log, "w", encoding="utf-8") as handle, contextlib.redirect_stdout(handle), \
                contextlib.redirect_stderr(handle):
            status = mlc_main(argv)
        store_line = next((line for line in log.read_text(encoding="utf-8").splitlines()
                           if line.startswith("store ")), "")
        print(f"{spec.name}: {store_line.split(': ', 1)[-1] if store_line else 'see ' + str(log)}")
        if status != 0:
            print(f"mlc weave: error: {spec.name} ({spec.source}:{spec.first_line}) did not run cleanly "
                  f"(exit {status}); its output is in {log}", file=sys.stderr)
            return None
    return _frozen(doc, plans, folder, args.dtype, draw=False)  # the run drew the plots


def _frozen(doc: Document, plans: dict[str, Plan], folder: Path, dtype: str, draw: bool) -> dict[str, SpecResults] | None:
    """Every spec's results read back from the paper's results store (``folder/.mlc``), each run of its plan
    present (:mod:`mlc.runtime.weave_store`); ``draw``: the figures it refers to drawn again from those runs."""
    from mlc.runtime.store import StoreError
    from mlc.runtime.weave_render import SpecResults
    from mlc.runtime.weave_store import draw_plots, open_store, read_spec

    results: dict[str, SpecResults] = {}
    missing: list[str] = []
    try:
        store = open_store(folder)
    except StoreError as exc:
        print(f"mlc weave: error: stored results are missing: {exc}; run `mlc weave {doc.path}` where torch is "
              "installed, and keep its results folder with the paper", file=sys.stderr)
        return None
    with store:
        for spec in doc.specs:
            plan = plans[spec.name]
            stored = read_spec(store, plan, str(folder / f"{spec.name}.ml"), dtype)
            for note in stored.notes:
                print(f"mlc weave: note: {spec.name}: {note}", file=sys.stderr)
            if stored.result is None:
                shown = ", ".join(stored.missing[:5])
                more = f" and {len(stored.missing) - 5} more" if len(stored.missing) > 5 else ""
                missing.append(f"{spec.name}: {len(stored.missing)} of {len(plan.runs)} runs not stored: "
                               f"{shown}{more} (the spec changed since the results were made?)")
                continue
            out_dir = folder / spec.name
            if draw and any(r.kind == "figure" and r.spec == spec.name for r in doc.refs):
                for skipped in draw_plots(plan, stored.result, out_dir):
                    print(f"mlc weave: note: {spec.name}: plot not drawn: {skipped}", file=sys.stderr)
            results[spec.name] = SpecResults(plan, stored.result, out_dir)
    if missing:
        print(f"mlc weave: error: stored results are missing (in {folder / '.mlc'}):\n"
              + "\n".join(f"  {m}" for m in missing)
              + f"\n  run `mlc weave {doc.path}` (without --frozen) where torch is installed", file=sys.stderr)
        return None
    return results
