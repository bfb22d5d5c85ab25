"""Nothing lost (issue 9, item 1; cases 1, 2, 3): a rerun, a full disk or a read-only folder loses no finished run.

Input:  a three-group sweep (the fast path, one group per ``n``) run (1) into a process whose file-size limit
        (``RLIMIT_FSIZE``) makes the kernel refuse writes part-way through, (2) with the results store refusing its
        second group as a full disk does, (3) into a read-only ``--out``, and (4) as a rerun of a changed spec
        stopped before anything finished.
Output: pass/fail.
Role:   each failure gives one clear line and a non-zero status, never a traceback; every run trained before it is
        on disk (the store, and the views as far as they could be written); every results file says whether it is
        complete (planned count, status, each run's status); a rerun reads back what was stored.
"""

from __future__ import annotations

import errno
import json
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from mlc.runtime.cli import main
from mlc.runtime.store import Store
from mlc.runtime.store_checkpoint import Interrupted
from spec_fixtures import teacher_spec

# Three training groups (n separates groups on the fast path) of two runs; `record = every 1` makes results.json
# grow by about 60 kB a group while the store (compressed) grows far less.
MULTI = teacher_spec("multi", steps="STEPS", record="every 1: train_error, test_error",
                     sweep="n = [20, 30, 40]   seed = 0..1")

# A child that runs mlc with a file-size limit: the kernel refuses (EFBIG) any write past LIMIT bytes in any file,
# results views and store alike, which is what a disk that fills up in the middle of a run does.
LIMITED = """import resource, sys
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
from mlc.runtime.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _spec(tmp: Path, steps: int = 20) -> Path:
    spec = tmp / "multi.ml"
    spec.write_text(MULTI.replace("STEPS", str(steps)))
    return spec


def _argv(spec: Path, tmp: Path, out: str = "out") -> list[str]:
    return ["compile-and-run", str(spec), "--device", "cpu", "--no-plots", "--store", str(tmp / "store"),
            "--out", str(tmp / out)]


def _views(out: Path) -> dict:
    return json.loads((out / "results.json").read_text())


def _stored(tmp: Path) -> int:
    """How many runs the store holds."""
    with Store(tmp / "store", create=False) as store:
        return len(store.runs())


def test_a_full_disk_part_way_keeps_every_finished_run(tmp_path: Path) -> None:
    """Case 2: a full disk ended in an ENOSPC traceback with 0 runs on disk, although 2 had been trained."""
    spec = _spec(tmp_path, steps=300)
    child = tmp_path / "limited.py"
    child.write_text(LIMITED)
    done = subprocess.run([sys.executable, str(child), "150000", *_argv(spec, tmp_path)], capture_output=True,
                          text=True, timeout=600, cwd=tmp_path)
    text = done.stdout + done.stderr
    assert done.returncode == 1, text
    assert "Traceback" not in text and "E999" not in text, text
    assert re.search(r"mlc: error: cannot write (to the results store \S+|\S+): ", text), text
    with Store(tmp_path / "store", create=False) as store:
        stored = {r.run_hash for r in store.runs()}
    views = _views(tmp_path / "out")  # the views of 3 groups need ~180 kB: they cannot all be written
    assert views["planned_runs"] == 6 and views["status"] != "complete"
    assert len(views["runs"]) < 6 and all(r["status"] == "ok" for r in views["runs"])
    assert len(stored | {r["hash"] for r in views["runs"]}) >= 2, text  # the first group is on disk, somewhere
    # Without the limit the same command reads back every stored run and trains only the others.
    again = subprocess.run([sys.executable, "-m", "mlc.runtime.cli", *_argv(spec, tmp_path)], capture_output=True,
                           text=True, timeout=600, cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{len(stored)} of 6 runs read back, {6 - len(stored)} trained" in again.stdout
    assert _views(tmp_path / "out")["status"] == "complete"


def test_a_store_that_fills_up_keeps_the_group_in_the_views(tmp_path: Path, monkeypatch, capsys) -> None:
    """The store fills up before its second group: SQLite itself refuses to grow the database (``PRAGMA
    max_page_count`` at its current size gives SQLITE_FULL, "database or disk is full", as a full disk does). The
    first group stays stored, the second is still written to the views, and the views say they are incomplete."""
    spec = _spec(tmp_path)
    calls = {"puts": 0}
    original_put = Store.put

    def put(self, *args, **kwargs):
        calls["puts"] += 1
        if calls["puts"] == 2:
            pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
            self.conn.execute(f"PRAGMA max_page_count = {pages}")
        return original_put(self, *args, **kwargs)

    monkeypatch.setattr(Store, "put", put)
    assert main(_argv(spec, tmp_path)) == 1
    captured = capsys.readouterr()
    out = captured.out
    assert "Traceback" not in out, captured.err
    assert re.search(r"mlc: error: cannot write to the results store \S+: the disk is full; runs saved before are "
                     r"intact", out), (out, captured.err)
    assert _stored(tmp_path) == 2
    views = _views(tmp_path / "out")
    assert views["status"] == "incomplete" and views["planned_runs"] == 6
    assert [r["status"] for r in views["runs"]] == ["ok"] * 4  # the group the store refused is in the views


@pytest.fixture
def read_only_out(tmp_path: Path, monkeypatch):
    """``tmp/out`` refuses new files as a read-only file system does (EROFS from the system call that creates
    them). Injected at the write layer because these tests may run as root, whom permissions do not stop."""
    out = tmp_path / "out"
    out.mkdir()
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):  # noqa: A002 - tempfile's own keyword
        if dir is not None and Path(dir).resolve() == out.resolve():
            raise OSError(errno.EROFS, "Read-only file system")
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    return out


def test_a_read_only_out_gives_one_line_and_keeps_the_runs(tmp_path: Path, read_only_out: Path, capsys) -> None:
    spec = _spec(tmp_path)
    assert main(_argv(spec, tmp_path)) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    errors = [line for line in captured.out.splitlines() if line.startswith("mlc: error")]
    assert errors == [f"mlc: error: cannot write {read_only_out}: Read-only file system (the runs are in the store "
                      f"{tmp_path / 'store'})"]
    assert list(read_only_out.iterdir()) == []
    assert _stored(tmp_path) == 6
    assert main(_argv(spec, tmp_path, out="elsewhere")) == 0
    assert "6 of 6 runs read back, 0 trained" in capsys.readouterr().out


def test_an_out_under_a_file_is_a_clear_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "file").write_text("not a folder")
    spec = _spec(tmp_path)
    assert main(_argv(spec, tmp_path, out="file/out")) == 1
    out = capsys.readouterr().out
    assert f"mlc: error: cannot write {tmp_path / 'file' / 'out'}: Not a directory" in out
    assert "Traceback" not in out and _stored(tmp_path) == 6


def test_a_rerun_stopped_before_anything_finished_keeps_the_old_results(tmp_path: Path, monkeypatch, capsys):
    """Case 1: a rerun interrupted after 3 s left results.json with 0 runs beside the old summary ("12 done")."""
    spec = _spec(tmp_path)
    assert main(_argv(spec, tmp_path)) == 0
    before = (tmp_path / "out" / "results.json").read_bytes()
    assert json.loads(before)["status"] == "complete"
    spec.write_text(MULTI.replace("STEPS", "21"))  # every run changes: nothing can be read back

    def stopped(*args, **kwargs):
        raise Interrupted(signal.SIGINT)

    monkeypatch.setattr("mlc.runtime.store_exec.train_group", stopped)
    capsys.readouterr()
    assert main(_argv(spec, tmp_path)) == 130
    assert "stopped by SIGINT: 0 of 6 runs are stored" in capsys.readouterr().out
    assert (tmp_path / "out" / "results.json").read_bytes() == before


def test_an_interrupted_results_file_says_it_is_incomplete(tmp_path: Path, monkeypatch, capsys):
    """Case 3: after a kill halfway results.json held runs but no planned count, and wall_time_s 0.0."""
    spec = _spec(tmp_path)
    from mlc.runtime import store_exec

    real = store_exec.train_group
    calls = {"n": 0}

    def second_stops(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Interrupted(signal.SIGTERM)
        return real(*args, **kwargs)

    monkeypatch.setattr(store_exec, "train_group", second_stops)
    assert main(_argv(spec, tmp_path)) == 143
    views = _views(tmp_path / "out")
    assert views["status"] == "interrupted" and views["planned_runs"] == 6 and views["wall_time_s"] > 0
    assert [r["status"] for r in views["runs"]] == ["ok", "ok"]


def test_an_internal_error_mid_run_is_E999_and_keeps_what_finished(tmp_path: Path, monkeypatch, capsys):
    spec = _spec(tmp_path)
    from mlc.runtime import store_exec

    real = store_exec.train_group
    calls = {"n": 0}

    def second_breaks(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise AssertionError("an invariant of mlc that does not hold")
        return real(*args, **kwargs)

    monkeypatch.setattr(store_exec, "train_group", second_breaks)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    assert main(_argv(spec, tmp_path)) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "error[E999]: internal error: AssertionError: an invariant of mlc that does not hold" in captured.err
    views = _views(tmp_path / "out")
    assert views["status"] == "incomplete" and views["planned_runs"] == 6 and len(views["runs"]) == 2
    assert _stored(tmp_path) == 2


def test_every_results_file_says_how_complete_it_is(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    assert main(_argv(spec, tmp_path)) == 0
    views = _views(tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    rows = (tmp_path / "out" / "runs.csv").read_text().splitlines()
    status_column = rows[0].split(",").index("status")
    assert views["status"] == summary["status"] == "complete"
    assert views["planned_runs"] == summary["runs"]["planned"] == summary["runs"]["done"] == len(views["runs"]) == 6
    assert [row.split(",")[status_column] for row in rows[1:]] == [r["status"] for r in views["runs"]] == ["ok"] * 6
