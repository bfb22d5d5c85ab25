"""Stored runs as a table: ``mlc.load`` and ``mlc runs export``.

Input:  a path: a results folder (``runs/<problem>/`` with ``results.json``), a store folder (with
        ``store.sqlite``), a folder holding a ``.mlc/`` store, or a spec file (its runs, read from the store beside it).
Output: one row per run (a dict), and from the rows a pandas DataFrame (:func:`load`) or a csv, parquet or json file
        (:func:`export`): a column per swept param and per final metric, with the run's identity (key, run hash,
        problem, model, family, seed), status, steps, wall time, key parts, and ``bound:<theorem>:<quantity>`` per holding bound with a number.
Role:   the researcher's entry point to results: ``mlc.load("runs/quickstart")`` in one line. pandas (and pyarrow
        for parquet) are optional: ``pip install 'mlc[frames]'``; without them a clear error says so. No torch.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

from mlc.runtime.report_store import bound_column
from mlc.runtime.results import ExperimentResult, RunResult
from mlc.runtime.store import DB_NAME, Store, StoredRun

RESULTS_JSON = "results.json"
DEFAULT_STORE = ".mlc"
FORMATS = ("csv", "parquet", "json")


class FrameError(Exception):
    """The path holds no results, or an optional dependency is missing; the message says what to do."""


def _row(result: RunResult, extra: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = dict(extra)
    row.update({"run_hash": result.hash, "model": result.model, "family": result.family, "seed": result.seed})
    for key, value in result.params.items():
        if key != "seed":
            row[key] = value
    row.update({"status": result.status, "steps_done": result.steps_done, "diverged_at_step": result.diverged_at_step,
                "wall_time_s": result.wall_time_s})
    for name, value in result.metrics.items():
        row[name if name not in row else f"metric:{name}"] = value
    for bound in result.bounds:
        column = bound_column(bound)
        if column is not None and column not in row:
            row[column] = bound.value
    row["error"] = result.error or ""
    return row


def _stored_row(stored: StoredRun, store: Store) -> dict[str, Any] | None:
    try:
        result = stored.result()
    except ValueError as exc:
        store.notes.append(f"{store.db_path}: run {stored.key} is damaged ({exc}); left out")
        return None
    det = stored.parts.determinism
    extra = {"key": stored.key, "problem": stored.problem, "spec_path": stored.spec_path,
             "stored_at": _dt.datetime.fromtimestamp(stored.created, _dt.timezone.utc).isoformat(),
             "engine": det.engine, "mlc": stored.parts.code, "torch": stored.parts.torch,
             "device": stored.parts.device, "dtype": stored.parts.dtype}
    return _row(result, extra)


def _store_of(path: Path) -> Path | None:
    if (path / DB_NAME).exists():
        return path
    if (path / DEFAULT_STORE / DB_NAME).exists():
        return path / DEFAULT_STORE
    return None


def rows_from(path: str | os.PathLike[str], store: str | os.PathLike[str] | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows of ``path`` (see the module docstring) and notes on damaged entries skipped."""
    path = Path(path)
    if path.is_file() and path.suffix == ".ml":
        return _spec_rows(path, Path(store) if store else path.resolve().parent / DEFAULT_STORE)
    if path.is_file() and path.name == RESULTS_JSON:
        path = path.parent
    if path.is_dir() and (path / RESULTS_JSON).exists() and store is None:
        try:
            experiment = ExperimentResult.model_validate_json((path / RESULTS_JSON).read_text(encoding="utf-8"))
        except ValueError as exc:
            raise FrameError(f"{path / RESULTS_JSON} is not an mlc results file ({exc.__class__.__name__})") from None
        extra = {"problem": experiment.problem, "spec_path": experiment.spec_path}
        return [_row(r, extra) for r in experiment.runs], []
    where = Path(store) if store else (_store_of(path) if path.is_dir() else None)
    if where is None:
        raise FrameError(f"{path}: no results here (expected a results folder with {RESULTS_JSON}, a store folder "
                         f"with {DB_NAME}, a folder holding {DEFAULT_STORE}/, or a spec file)")
    with Store(where, create=False) as st:
        rows = [r for r in (_stored_row(s, st) for s in st.runs()) if r is not None]
        return rows, st.notes


def _spec_rows(spec: Path, where: Path) -> tuple[list[dict[str, Any]], list[str]]:
    from mlc.compiler.pipeline import compile_path

    outcome = compile_path(str(spec))
    if outcome.plan is None:
        raise FrameError(f"{spec} has errors:\n{outcome.rendered}")
    with Store(where, create=False) as st:
        by_hash: dict[str, StoredRun] = {}
        for stored in st.runs(outcome.plan.problem):  # oldest first: the newest result of each run wins
            by_hash[stored.run_hash] = stored
        rows = []
        for run in outcome.plan.runs:
            if run.hash in by_hash:
                row = _stored_row(by_hash[run.hash], st)
                if row is not None:
                    rows.append(row)
        return rows, st.notes


def _pandas() -> Any:
    try:
        import pandas  # type: ignore[import-untyped]  # optional; no stubs
    except ImportError:
        raise FrameError("pandas is needed for DataFrames and csv/parquet export: pip install 'mlc[frames]' "
                         "(or pip install pandas pyarrow)") from None
    return pandas


def frame(rows: list[dict[str, Any]]) -> Any:
    """The rows as a pandas DataFrame (columns in order of first appearance)."""
    pandas = _pandas()
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    return pandas.DataFrame(rows, columns=columns)


def load(path: str | os.PathLike[str], store: str | os.PathLike[str] | None = None) -> Any:
    """A pandas DataFrame with one row per run and a column per param and metric (see the module docstring)."""
    rows, _ = rows_from(path, store)
    return frame(rows)


def export(rows: list[dict[str, Any]], fmt: str, target: Path) -> None:
    """Write ``rows`` to ``target`` as csv, parquet or json (json needs no pandas)."""
    if fmt == "json":
        target.write_text(json.dumps(rows, indent=1, allow_nan=True) + "\n", encoding="utf-8")
        return
    df = frame(rows)
    if fmt == "csv":
        df.to_csv(target, index=False)
    elif fmt == "parquet":
        try:
            import pyarrow  # type: ignore[import-untyped]  # noqa: F401 - pandas' parquet engine
        except ImportError:
            raise FrameError("parquet export needs pyarrow: pip install 'mlc[frames]' (or pip install pyarrow)") \
                from None
        df.to_parquet(target, index=False)
    else:
        raise FrameError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
