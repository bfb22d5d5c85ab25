"""``mlc fmt`` as a command: in-place rewrite, --check, --diff, stdin, files with errors, exit codes.

Input:  spec files in a temporary folder.
Output: pass/fail.
Role:   the command's contract (docs/language.md, "The command line"); the layout itself is pinned by the
        golden tests in tests/golden/fmt.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from mlc.dsl.formatter import format_text
from mlc.runtime.cli import main

MESSY = "problem p\nlet d=3\ninput x~uniform(cube(d))\ntarget f*(x)=x[1]**2  # square\nmodel m=two_layer(width=4)\n"


def test_rewrites_in_place_then_is_clean(tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.ml"
    path.write_text(MESSY, encoding="utf-8")
    path.chmod(0o640)
    assert main(["fmt", str(path)]) == 0
    assert capsys.readouterr().out == f"reformatted {path}\n"
    text = path.read_text(encoding="utf-8")
    assert text == format_text(MESSY)[0]
    assert "target f*(x) = x[1]^2  # square" in text
    assert path.stat().st_mode & 0o777 == 0o640
    assert main(["fmt", str(path)]) == 0 and capsys.readouterr().out == ""  # nothing to do
    assert main(["fmt", "--check", str(path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.ml"]  # no temporary file left


def test_check_lists_files_and_writes_nothing(tmp_path: Path, capsys) -> None:
    messy, clean = tmp_path / "messy.ml", tmp_path / "clean.ml"
    messy.write_text(MESSY, encoding="utf-8")
    clean.write_text(format_text(MESSY)[0], encoding="utf-8")
    assert main(["fmt", "--check", str(clean), str(messy)]) == 1
    assert capsys.readouterr().out == f"would reformat {messy}\n"
    assert messy.read_text(encoding="utf-8") == MESSY


def test_diff_prints_a_unified_diff(tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.ml"
    path.write_text(MESSY, encoding="utf-8")
    assert main(["fmt", "--diff", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"--- {path}\n+++ {path} (formatted)\n")
    assert "-let d=3\n" in out and "+let d = 3\n" in out
    assert path.read_text(encoding="utf-8") == MESSY


def test_crlf_and_bom_count_as_changes(tmp_path: Path, capsys) -> None:
    clean = format_text(MESSY)[0]
    for name, data in (("crlf.ml", clean.replace("\n", "\r\n").encode()), ("bom.ml", b"\xef\xbb\xbf" + clean.encode())):
        path = tmp_path / name
        path.write_bytes(data)
        assert main(["fmt", "--check", str(path)]) == 1
        assert main(["fmt", str(path)]) == 0
        assert path.read_bytes() == clean.encode()
    capsys.readouterr()


def test_syntax_errors_leave_the_file_untouched(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.ml"
    path.write_text("problem p\nlet = 1\n", encoding="utf-8")
    assert main(["fmt", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2:5: error[E001]" in err and "not formatted" in err
    assert path.read_text(encoding="utf-8") == "problem p\nlet = 1\n"


def test_semantic_errors_do_not_prevent_formatting(tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.ml"
    path.write_text("model m=two_layer(wdth=4)\n", encoding="utf-8")
    assert main(["fmt", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == "model m = two_layer(wdth = 4)\n"
    capsys.readouterr()


def test_stdin_to_stdout(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(MESSY.encode())))
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr().out == format_text(MESSY)[0]


def test_usage_errors(tmp_path: Path, capsys) -> None:
    assert main(["fmt", str(tmp_path / "missing.ml")]) == 2
    assert main(["fmt", str(tmp_path)]) == 2
    assert "mlc: error: cannot read" in capsys.readouterr().err
