"""``mlc check FILE...``: parse and check specs, print diagnostics.

Input:  spec paths.
Output: diagnostics on stderr (``path:line:col: error[CODE]: ...``), a one-line summary per valid file on
        stdout; exit 0 if every file is valid, 1 if any has errors, 2 on usage errors (no such file).
Role:   the fastest feedback loop for a spec author. Imports no torch.
"""

from __future__ import annotations

import argparse
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="spec files (.ml); - reads stdin")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only diagnostics")


def run(args: argparse.Namespace) -> int:
    from mlc.compiler.pipeline import compile_path

    status = 0
    for path in args.files:
        outcome = compile_path(path)
        if outcome.rendered:
            print(outcome.rendered, file=sys.stderr)
        plan = outcome.plan
        if outcome.ok and plan is not None and not args.quiet:
            models = sorted({r.model.name for r in plan.runs})
            print(f"{path}: ok: problem `{plan.problem}`, {len(plan.runs)} run"
                  f"{'s' if len(plan.runs) != 1 else ''} of {', '.join(models)} (spec hash {plan.spec_hash})")
        status = max(status, outcome.exit_code)
    return status
