"""Plots as a view of the store: redraw them only when what they show has changed.

Input:  the output folder, the plan and the experiment's results (after a run whose every result came from the
        store), and the report's summary after drawing.
Output: ``plots/.mlc-plots-key`` (the key of what the plots show and the files drawn), and, on a later run with
        the same key, those files to reuse instead of drawing again.
Role:   a fully cached rerun should cost well under a second beyond start-up; drawing the figures (matplotlib)
        costs several. The key is a hash of the spec hash, every run's numbers (wall times aside), and the sources
        that draw plots (``runtime/report*.py``) with matplotlib's version, so a plot is reused only when redrawing
        it would give the same figure.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from mlc.compiler.ir import Plan, content_hash
from mlc.runtime.report_store import atomic_write_text
from mlc.runtime.results import ExperimentResult

KEY_FILE = ".mlc-plots-key"


def _report_sources() -> str:
    import matplotlib

    digest = hashlib.sha256(matplotlib.__version__.encode())
    for path in sorted(Path(__file__).parent.glob("report*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def plots_key(plan: Plan, result: ExperimentResult) -> str:
    """What the plots of ``result`` depend on."""
    runs = [r.model_dump(mode="json", exclude={"wall_time_s"}) for r in result.runs]
    return content_hash({"spec": plan.spec_hash, "runs": runs, "code": _report_sources()}, length=32)


def reusable_plots(out: Path, key: str) -> tuple[list[Path], list[str]] | None:
    """The plot files (and skipped-plot notes) drawn for ``key`` under ``out``, if they are all still there."""
    try:
        data: dict[str, Any] = json.loads((out / "plots" / KEY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("key") != key or not isinstance(data.get("files"), list):
        return None
    files = [out / "plots" / name for name in data["files"] if isinstance(name, str) and "/" not in name]
    if not files or not all(f.is_file() for f in files):
        return None
    return files, [str(s) for s in data.get("skipped", [])]


def remember_plots(out: Path, key: str, files: list[Path], skipped: list[str]) -> None:
    """Record which plot files were drawn for ``key`` (best effort: a failure only means redrawing next time)."""
    plots = [f.name for f in files if f.parent == out / "plots"]
    if not plots:
        return
    try:
        atomic_write_text(out / "plots" / KEY_FILE, json.dumps({"key": key, "files": plots, "skipped": skipped}))
    except OSError:
        pass
