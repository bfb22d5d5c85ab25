"""Paths (issue 9, item 6; cases 9, 10, 11): every file mlc writes stays inside ``--out``.

Input:  problem names from specs and file names (``...ml``), symlinks under ``--out`` (a ``plots/`` folder and a
        ``results.json`` leading elsewhere), a spec reached through a symlink, umasks 022 and 027.
Output: pass/fail.
Role:   names from a spec are made safe before they become paths; symlinks are not followed out of ``--out``;
        ``mlc fmt`` writes through a symlink to its target; result files and plots get the user's umask.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlc.runtime.cli import main
from mlc.runtime.paths import MAX_NAME, PathError, default_out, folder_in, safe_name
from spec_fixtures import TINY_SPEC


def _run(spec: Path, tmp: Path, *extra: str) -> int:
    return main(["compile-and-run", str(spec), "--device", "cpu", "--store", str(tmp / "store"), *extra])


@pytest.mark.parametrize("name, expected", [
    ("quickstart", "quickstart"), ("..", "problem"), (".", "problem"), ("", "problem"), ("...", "problem"),
    ("../../etc", "_.._etc"), ("a/b", "a_b"), ("a\x00b", "a_b"), (".hidden", "hidden"), ("mean-field.v2", "mean-field.v2"),
    ("café", "café"), ("x\u202ey", "x_y"), ("C:\\x", "C_x"),
])
def test_safe_name(name: str, expected: str) -> None:
    assert safe_name(name) == expected


@given(st.text(max_size=300))
def test_a_safe_name_is_one_plain_component(name: str) -> None:
    safe = safe_name(name)
    assert safe and len(safe) <= MAX_NAME
    assert not safe.startswith(".") and "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert default_out(name).parent == Path("runs") and default_out(name).name == safe


def test_a_spec_named_dots_writes_under_runs_not_into_the_current_folder(tmp_path: Path, monkeypatch, capsys) -> None:
    """Case 9: `...ml` with no `problem` line is the problem `..`; its results went to `runs/..`, the current
    folder."""
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "...ml"
    spec.write_text(TINY_SPEC.replace("problem tiny\n", ""))
    assert _run(Path("...ml"), tmp_path, "--no-plots") == 0
    assert (tmp_path / "runs" / "problem" / "results.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["...ml", "runs", "store"]
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["problem"]


def test_folder_in_refuses_a_symlink_out_of_the_folder(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "plots").symlink_to(elsewhere)
    with pytest.raises(PathError, match="outside the output folder"):
        folder_in(out, "plots")
    (out / "figures").mkdir()
    (out / "inside").symlink_to(out / "figures")  # a link that stays inside --out is fine
    assert folder_in(out, "inside") == out / "inside"
    assert folder_in(out, "new").is_dir()


def test_symlinks_under_out_are_not_followed_out_of_it(tmp_path: Path, capsys) -> None:
    """Case 10: a symlinked plots/ folder was followed and the plots written into its target; a symlinked
    results.json would have been written through as well."""
    spec = tmp_path / "tiny.ml"
    spec.write_text(TINY_SPEC)
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "plots").symlink_to(elsewhere, target_is_directory=True)
    precious = elsewhere / "precious.txt"
    precious.write_text("keep me")
    (out / "results.json").symlink_to(precious)
    assert _run(spec, tmp_path, "--out", str(out)) == 0
    assert "not plotted: plots failed: PathError" in capsys.readouterr().out
    assert sorted(p.name for p in elsewhere.iterdir()) == ["precious.txt"] and precious.read_text() == "keep me"
    assert (out / "results.json").is_file() and not (out / "results.json").is_symlink()
    skipped = json.loads((out / "summary.json").read_text())["skipped_plots"]
    assert skipped == [f"plots failed: PathError: {out / 'plots'} is a symlink to {elsewhere}, outside the output "
                       f"folder {out}; mlc does not write through it (remove the link, or choose another --out)"]


def test_fmt_writes_through_a_symlink(tmp_path: Path, capsys) -> None:
    """Case 10: `mlc fmt link.ml` replaced the link by a formatted copy and left the real file as it was."""
    real = tmp_path / "real"
    real.mkdir()
    target = real / "spec.ml"
    target.write_text(TINY_SPEC.replace("let d = 3", "let   d =   3"))
    target.chmod(0o640)
    link = tmp_path / "link.ml"
    link.symlink_to(target)
    assert main(["fmt", str(link)]) == 0
    assert f"reformatted {link}" in capsys.readouterr().out
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert "let d = 3" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in real.iterdir()) == ["spec.ml"]  # no temporary file left beside it
    assert main(["fmt", "--check", str(link)]) == 0


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_result_files_and_plots_get_the_users_umask(umask: int, mode: int, tmp_path: Path) -> None:
    """Case 11: result files were 0600 whatever the umask (mkstemp), plots 0644."""
    spec = tmp_path / "tiny.ml"
    spec.write_text(TINY_SPEC)
    previous = os.umask(umask)
    try:
        assert _run(spec, tmp_path, "--out", str(tmp_path / "out")) == 0
    finally:
        os.umask(previous)
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"results.json", "runs.csv", "summary.json", ".mlc-plots-key"} <= names
    assert any(n.endswith(".png") for n in names) and any(n.endswith(".pdf") for n in names)
    assert {p.relative_to(tmp_path): oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == \
        {p.relative_to(tmp_path): oct(mode) for p in files}
