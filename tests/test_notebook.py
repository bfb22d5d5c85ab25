"""The ``%%mlc`` cell magic (runtime.notebook) in IPython's InteractiveShell, without a browser or a kernel.

Input:  a fresh InteractiveShell in a temporary working folder, ``%load_ext mlc``, cells holding small specs.
Output: test failures.
Role:   the notebook face of issue 12: the cell's spec runs through the results store (a second run of the cell
        trains nothing), the report is displayed as a rich table (HTML and text) with the stored numbers and its
        plots as PNG images, errors point at the cell's line and run nothing, ``-o VAR`` keeps the results.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from spec_fixtures import TINY_SPEC

IPython = pytest.importorskip("IPython", reason="the %%mlc magic needs IPython: pip install 'mlc[notebook]'")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.utils.capture import capture_output  # noqa: E402


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mlc")
    yield ip
    InteractiveShell.clear_instance()


def _cell(ip: InteractiveShell, line: str, body: str):
    with capture_output() as captured:
        ip.run_cell_magic("mlc", line, body)
    return captured


def _tables(report: str) -> str:
    """The report without its header (when it started, how long it took)."""
    return report.split("wall time", 1)[1].split("\n", 1)[1]


def test_cell_runs_through_the_store_and_shows_the_report(shell: InteractiveShell, tmp_path: Path) -> None:
    first = _cell(shell, "--device cpu -o res", TINY_SPEC)
    assert "store .mlc: 0 of 4 runs read back, 4 trained" in first.stdout, first.stdout + first.stderr
    html = [o.data["text/html"] for o in first.outputs if "text/html" in o.data]
    pngs = [o.data["image/png"] for o in first.outputs if "image/png" in o.data]
    assert html and pngs
    # the table shows the numbers the run stored: the mean test error of width 8 over its two seeds
    runs = json.loads((tmp_path / "runs" / "tiny" / "results.json").read_text())["runs"]
    errors = [r["metrics"]["test_error"] for r in runs if r["params"]["width"] == 8]
    mean = sum(errors) / len(errors)
    text = next(o.data["text/plain"] for o in first.outputs if "text/html" in o.data)
    assert f"{mean:.3g}" in text and f"{mean:.3g}" in html[0]
    assert "<table" in html[0] or "<pre" in html[0]
    kept = shell.user_ns["res"]
    assert kept.exit_code == 0 and len(kept.result.runs) == 4 and kept.plan.problem == "tiny"
    # the same cell again: everything read back from the store, nothing trained, the same table
    second = _cell(shell, "--device cpu", TINY_SPEC)
    assert "store .mlc: 4 of 4 runs read back, 0 trained" in second.stdout
    again = next(o.data["text/plain"] for o in second.outputs if "text/html" in o.data)
    assert _tables(again) == _tables(text)
    assert (tmp_path / "mlc-cells" / "tiny.ml").read_text() == TINY_SPEC


def test_an_error_points_at_the_cell_and_runs_nothing(shell: InteractiveShell, tmp_path: Path) -> None:
    bad = TINY_SPEC.replace("steps     = 20", "steps     = -3")
    captured = _cell(shell, "--device cpu", bad)
    line = bad.splitlines().index("  steps     = -3") + 1
    assert f"<mlc cell>:{line}:" in captured.stderr and "steps" in captured.stderr
    assert "Traceback" not in captured.stderr + captured.stdout
    assert not captured.outputs and not (tmp_path / ".mlc").exists()


def test_check_only_and_bad_options(shell: InteractiveShell, tmp_path: Path) -> None:
    captured = _cell(shell, "--check", TINY_SPEC)
    assert "tiny: ok, 4 runs" in captured.stdout and not (tmp_path / ".mlc").exists()
    captured = _cell(shell, "--device tpu", TINY_SPEC)
    assert "%%mlc: error:" in captured.stderr and "usage: %%mlc" in captured.stderr
    assert not (tmp_path / ".mlc").exists()


def test_load_ext_registers_the_magic(shell: InteractiveShell) -> None:
    assert "mlc" in shell.magics_manager.magics["cell"]
    assert os.path.basename(shell.magics_manager.magics["cell"]["mlc"].__module__.replace(".", "/")) == "notebook"
