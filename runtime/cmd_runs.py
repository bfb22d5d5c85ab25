"""``mlc runs``: look into the results store.

Input:  a subcommand and its arguments:
          ``ls [SPEC|DIR]``                       what is stored: key, run hash, problem, params, status, age
          ``show HASH``                           one run: key parts, environment, params, metrics, bounds, rerun
          ``diff HASH HASH``                      two runs side by side: key parts, run IR, params and metrics
          ``gc [--dry-run] [--root DIR]``         delete the runs that no spec under the project folder refers to
          ``export --format csv|parquet|json``    one row per run, a column per param and metric
        ``--store DIR`` picks the store (default: ``.mlc/`` in the current folder, or beside SPEC).
Output: text on stdout; exit 0, 1 when nothing matched or gc was refused, 2 on usage errors. No torch is imported.
Role:   the command-line face of ``runtime.store`` and ``runtime.store_frame``. HASH is a prefix of a run's key or
        of its run hash. gc's notion of "refers": a spec refers to a stored run when one of the spec's planned runs
        has that run hash (whatever the torch version or device it was trained with); the specs are the ``*.ml``
        files under the project folder (``--root``, default: the folder holding the store), hidden folders skipped.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from mlc.runtime.store import DB_NAME, Store, StoredRun, StoreError
from mlc.runtime.store_frame import DEFAULT_STORE, FORMATS, FrameError, export, rows_from
from mlc.runtime.store_keys import ir_differences, parts_differences


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="runs_command", metavar="SUBCOMMAND", required=True)
    ls = sub.add_parser("ls", help="list the stored runs")
    ls.add_argument("where", nargs="?", default=None, metavar="SPEC|DIR")
    show = sub.add_parser("show", help="show one stored run")
    show.add_argument("hash", metavar="HASH")
    diff = sub.add_parser("diff", help="compare two stored runs")
    diff.add_argument("hashes", nargs=2, metavar="HASH")
    gc = sub.add_parser("gc", help="delete the stored runs no spec under the project folder refers to")
    gc.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    gc.add_argument("--root", metavar="DIR", default=None,
                    help="the project folder whose specs count (default: the folder holding the store)")
    ex = sub.add_parser("export", help="write the stored runs as a table")
    ex.add_argument("where", nargs="?", default=None, metavar="SPEC|DIR")
    ex.add_argument("--format", choices=FORMATS, default="csv")
    ex.add_argument("--output", "-o", metavar="FILE", default=None, help="default: runs.<format>")
    for p in (ls, show, diff, gc, ex):
        p.add_argument("--store", metavar="DIR", default=None, help=f"the store (default: ./{DEFAULT_STORE})")


def _store_path(args: argparse.Namespace, where: str | None = None) -> Path:
    if args.store:
        return Path(args.store)
    if where:
        path = Path(where)
        if path.suffix == ".ml":
            return path.resolve().parent / DEFAULT_STORE
        return path if (path / DB_NAME).exists() else path / DEFAULT_STORE
    return Path(DEFAULT_STORE)


def _age(created: float) -> str:
    s = max(0.0, time.time() - created)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            return f"{s / size:.0f} {unit}"
    return f"{s:.0f} s"


def _params(stored: StoredRun) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in stored.params.items()) or "-"


def _ls(args: argparse.Namespace, store: Store) -> int:
    problem = None
    if args.where and args.where.endswith(".ml"):
        from mlc.compiler.pipeline import compile_path
        outcome = compile_path(args.where)
        if outcome.plan is None:
            print(outcome.rendered, file=sys.stderr)
            return 1
        problem = outcome.plan.problem
    rows = store.runs(problem)
    if not rows:
        print(f"no stored runs in {store.root}" + (f" for problem {problem}" if problem else ""))
        return 0
    print(f"{'key':12}  {'run hash':16}  {'problem':16}  {'status':8}  {'age':>7}  {'engine':11}  params")
    for r in rows:
        print(f"{r.key[:12]:12}  {r.run_hash:16}  {r.problem[:16]:16}  {r.status:8}  {_age(r.created):>7}  "
              f"{r.parts.determinism.engine:11}  {_params(r)}")
    print(f"{len(rows)} runs in {store.root}")
    return 0


def _one(store: Store, prefix: str) -> StoredRun | None:
    found = store.find(prefix)
    if len(found) == 1:
        return found[0]
    if not found:
        print(f"mlc: error: no stored run whose key or run hash starts with {prefix!r} in {store.root}",
              file=sys.stderr)
    else:
        print(f"mlc: error: {prefix!r} matches {len(found)} runs; give more digits:", file=sys.stderr)
        for r in found[:20]:
            print(f"  {r.key}  run {r.run_hash}  {r.problem}  {_params(r)}", file=sys.stderr)
    return None


def _show(args: argparse.Namespace, store: Store) -> int:
    r = _one(store, args.hash)
    if r is None:
        return 1
    try:
        result = r.result()
    except ValueError as exc:
        print(f"mlc: error: the payload of {r.key} in {store.db_path} is damaged ({exc})", file=sys.stderr)
        return 1
    p, env = r.parts, r.context.get("environment", {})
    print(f"key        {r.key}\nrun hash   {r.run_hash}\nproblem    {r.problem}   ({r.spec_path})")
    print(f"status     {r.status}, {result.steps_done} steps, stored {_age(r.created)} ago, "
          f"trained in {r.wall_time_s:.3g} s")
    print(f"key parts  mlc {p.code}   torch {p.torch}   device {p.device}   dtype {p.dtype}")
    det = p.determinism
    print(f"           engine {det.engine}   threads {det.threads if det.threads is not None else 'any'}   "
          f"group of {len(det.group) or 1} runs")
    if env:
        print(f"trained on {env.get('device_name', '?')} ({env.get('platform', '?')}), python {env.get('python', '?')}")
        print(f"rerun      {env.get('command', '')} --rerun")
    print(f"params     {_params(r)}" + ("" if "seed" in r.params else f"   seed {result.seed}"))
    for name, value in result.metrics.items():
        print(f"  {name:24} {value:.6g}")
    for b in result.bounds:
        if b.value is not None:
            print(f"  {b.theorem:6} {b.kind:12} {'holds' if b.holds else 'n/a':6} {b.value:.6g}  {b.title}")
    if result.curves:
        print("curves     " + ", ".join(f"{k} ({len(c.steps)} points)" for k, c in result.curves.items()))
    return 0


def _diff(args: argparse.Namespace, store: Store) -> int:
    a, b = (_one(store, h) for h in args.hashes)
    if a is None or b is None:
        return 1
    try:
        ra, rb = a.result(), b.result()
    except ValueError as exc:
        print(f"mlc: error: a payload in {store.db_path} is damaged ({exc})", file=sys.stderr)
        return 1
    print(f"{'':26} {a.key[:16]:>16}   {b.key[:16]:>16}")
    names = list(dict.fromkeys([*a.params, *b.params]))
    for k in names:
        pa, pb = a.params.get(k), b.params.get(k)
        print(f"{k:26} {'-' if pa is None else f'{pa:g}':>16}   {'-' if pb is None else f'{pb:g}':>16}")
    print(f"{'status':26} {a.status:>16}   {b.status:>16}")
    for k in dict.fromkeys([*ra.metrics, *rb.metrics]):
        va, vb = ra.metrics.get(k), rb.metrics.get(k)
        print(f"{k:26} {'-' if va is None else f'{va:.6g}':>16}   {'-' if vb is None else f'{vb:.6g}':>16}")
    changes = ir_differences(a.run_ir(), b.run_ir(), a.params, b.params) + parts_differences(a.parts, b.parts)
    print("differences: " + ("; ".join(changes) if changes else "none (same key parts and run IR)"))
    return 0


def _referenced(root: Path) -> tuple[set[str], list[str]]:
    """Run hashes of every spec under ``root``, and the specs that failed to compile."""
    from mlc.compiler.pipeline import compile_path

    hashes: set[str] = set()
    failed: list[str] = []
    for spec in sorted(root.rglob("*.ml")):
        if any(part.startswith(".") for part in spec.relative_to(root).parts[:-1]):
            continue
        outcome = compile_path(str(spec))
        if outcome.plan is None:
            failed.append(str(spec))
        else:
            hashes.update(r.hash for r in outcome.plan.runs)
    return hashes, failed


def _gc(args: argparse.Namespace, store: Store) -> int:
    root = Path(args.root) if args.root else store.root.resolve().parent
    hashes, failed = _referenced(root)
    if failed:
        print(f"mlc: error: gc deletes nothing while a spec under {root} does not compile (its runs could not be "
              f"told apart): " + ", ".join(failed), file=sys.stderr)
        return 1
    doomed = [r for r in store.runs() if r.run_hash not in hashes]
    for r in doomed:
        print(f"{'would delete' if args.dry_run else 'delete'} {r.key[:12]}  run {r.run_hash}  {r.problem}  "
              f"{_params(r)}")
    kept = len(store.runs()) - len(doomed)
    if args.dry_run:
        print(f"{len(doomed)} runs would be deleted, {kept} kept (referred to by the specs under {root})")
        return 0
    store.delete(r.key for r in doomed)
    print(f"{len(doomed)} runs deleted, {kept} kept (referred to by the specs under {root})")
    return 0


def _export(args: argparse.Namespace) -> int:
    where = args.where or (args.store if args.store else DEFAULT_STORE)
    rows, notes = rows_from(where, args.store if args.where else None)
    for note in notes:
        print(f"mlc: warning: {note}", file=sys.stderr)
    target = Path(args.output or f"runs.{args.format}")
    export(rows, args.format, target)
    print(f"{len(rows)} runs written to {target}")
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        if args.runs_command == "export":
            return _export(args)
        path = _store_path(args, getattr(args, "where", None))
        with Store(path, create=False) as store:
            for note in store.notes:
                print(f"mlc: warning: {note}", file=sys.stderr)
            command = {"ls": _ls, "show": _show, "diff": _diff, "gc": _gc}[args.runs_command]
            return command(args, store)
    except (StoreError, FrameError) as exc:
        print(f"mlc: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"mlc: error: {exc}", file=sys.stderr)
        return 1
