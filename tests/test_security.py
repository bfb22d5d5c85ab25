"""The promises of docs/security.md that no other test module holds: paths from spec text are sanitised, loading
results never unpickles, spec files are size-checked before they are read.

Input:  the Python sources of dsl/, compiler/, runtime/ and mlc/ (scanned with ``ast``); a checkpoint and a
        results file crafted to run a command when unpickled; a spec over the size limit on disk and on stdin.
Output: pass/fail.
Role:   each scan has a companion test on a small sample, so that a scan that stopped finding things would fail.
        (Promise 1, no evaluator, is tests/test_safety.py; promises 3, 6, 7 and 8 are test_paths, test_streams and
        test_disk_full.)
"""

from __future__ import annotations

import ast as pyast
import io
import os
import sys
from pathlib import Path

import pytest
import torch

from mlc.dsl.source import MAX_SPEC_BYTES
from mlc.runtime.cli import main
from mlc.runtime.report_store import load_results
from mlc.runtime.store_checkpoint import GroupCheckpoint, StopFlag

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [p for folder in ("dsl", "compiler", "runtime", "mlc") for p in (ROOT / folder).rglob("*.py")]


class _Payload:
    """Unpickling this runs a shell command that creates the file ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


# ------------------------------------------------------------------------------ 2. paths from spec text

def _unsafe_paths(path: Path) -> list[str]:
    """Paths built from a problem name (``x / plan.problem``, ``Path(f"...{plan.problem}")``) anywhere but through
    ``safe_name``."""
    tree = pyast.parse(path.read_text(encoding="utf-8"))
    found = []

    def names_problem(node: pyast.AST) -> bool:
        return (isinstance(node, pyast.Attribute) and node.attr == "problem") or \
            (isinstance(node, pyast.Name) and node.id == "problem")

    for node in pyast.walk(tree):
        if isinstance(node, pyast.BinOp) and isinstance(node.op, pyast.Div) and names_problem(node.right):
            found.append(f"{path.name}:{node.lineno}")
        if isinstance(node, pyast.Call) and isinstance(node.func, pyast.Name) and node.func.id in ("Path", "open"):
            for arg in node.args:
                if isinstance(arg, pyast.JoinedStr) and any(
                        isinstance(v, pyast.FormattedValue) and names_problem(v.value) for v in arg.values):
                    found.append(f"{path.name}:{node.lineno}")
    return found


def test_no_path_is_built_from_a_problem_name_without_safe_name() -> None:
    offenders = [hit for path in SOURCES for hit in _unsafe_paths(path)]
    assert not offenders, f"build these paths with mlc.runtime.paths.safe_name: {offenders}"


def test_the_path_scan_catches_what_it_looks_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('out = Path("runs") / plan.problem\nok = Path("runs") / safe_name(plan.problem)\n'
                      'f = open(f"{problem}.json")\nlabel = f"{plan.problem}"\n')
    assert _unsafe_paths(sample) == ["sample.py:1", "sample.py:3"]


# ---------------------------------------------------------------------------------- 4. never unpickle

PICKLING_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "joblib", "cloudpickle"}


def _unpickling(path: Path) -> list[str]:
    """Imports of pickling modules, ``read_pickle``, ``allow_pickle=True``, and ``torch.load`` without
    ``weights_only=True``."""
    tree = pyast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in pyast.walk(tree):
        if isinstance(node, pyast.Import):
            found += [f"{path.name}:{node.lineno}:import {a.name}" for a in node.names
                      if a.name.split(".")[0] in PICKLING_MODULES]
        elif isinstance(node, pyast.ImportFrom) and (node.module or "").split(".")[0] in PICKLING_MODULES:
            found.append(f"{path.name}:{node.lineno}:from {node.module}")
        elif isinstance(node, pyast.Call):
            func = node.func
            name = func.attr if isinstance(func, pyast.Attribute) else getattr(func, "id", "")
            keywords = {k.arg: k.value for k in node.keywords}
            if name == "read_pickle":
                found.append(f"{path.name}:{node.lineno}:read_pickle")
            if isinstance(keywords.get("allow_pickle"), pyast.Constant) and keywords["allow_pickle"].value is True:
                found.append(f"{path.name}:{node.lineno}:allow_pickle=True")
            if name == "load" and isinstance(func, pyast.Attribute) and isinstance(func.value, pyast.Name) \
                    and func.value.id == "torch":
                weights_only = keywords.get("weights_only")
                if not (isinstance(weights_only, pyast.Constant) and weights_only.value is True):
                    found.append(f"{path.name}:{node.lineno}:torch.load without weights_only=True")
    return found


def test_no_source_unpickles() -> None:
    offenders = [hit for path in SOURCES for hit in _unpickling(path)]
    assert not offenders, offenders


def test_the_unpickling_scan_catches_what_it_looks_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import pickle\nfrom joblib import load\nimport torch\nx = torch.load(p)\n"
                      "y = torch.load(p, weights_only=True)\nz = np.load(p, allow_pickle=True)\n"
                      "w = pandas.read_pickle(p)\n")
    assert _unpickling(sample) == ["sample.py:1:import pickle", "sample.py:2:from joblib",
                                   "sample.py:4:torch.load without weights_only=True",
                                   "sample.py:6:allow_pickle=True", "sample.py:7:read_pickle"]


def test_a_checkpoint_that_would_run_code_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    path = tmp_path / "group.pt"
    torch.save({"step": 5, "params": _Payload(marker)}, path)
    notes: list[str] = []
    checkpoint = GroupCheckpoint(path, every_s=60.0, stop=StopFlag(), note=notes.append)
    assert checkpoint.resume() is None  # the group trains from the start
    assert not marker.exists()
    assert len(notes) == 1 and f"the checkpoint {path} cannot be read" in notes[0]


def test_a_results_file_that_is_a_pickle_is_refused(tmp_path: Path) -> None:
    import pickle  # noqa: S403 - only to craft the hostile file

    marker = tmp_path / "PWNED"
    (tmp_path / "results.json").write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ValueError):
        load_results(tmp_path)
    assert not marker.exists()


# ------------------------------------------------------------------------------- 5. spec size limits

def test_a_spec_over_the_size_limit_is_refused_without_being_read(tmp_path: Path, monkeypatch, capsys) -> None:
    spec = tmp_path / "big.ml"
    spec.write_bytes(b"problem big\n" + b"# padding\n" * (MAX_SPEC_BYTES // 10 + 10))
    real_open = open
    opened: list[str] = []

    def spying_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spying_open)
    assert main(["check", str(spec)]) == 1
    assert "error[E004]" in capsys.readouterr().err
    assert str(spec) not in opened  # its size said enough


def test_stdin_is_read_only_up_to_the_size_limit(monkeypatch, capsys) -> None:
    data = b"problem big\n" + b"# padding\n" * (MAX_SPEC_BYTES // 10 + 10)
    stream = io.BytesIO(data)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stream))
    assert main(["fmt", "-"]) == 1
    assert "error[E004]" in capsys.readouterr().err
    assert stream.tell() <= MAX_SPEC_BYTES + 1
