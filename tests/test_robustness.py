"""Robustness: hostile or odd inputs give diagnostics and the right exit code, never a traceback.

Input:  files made in a temporary folder (empty, binary, not UTF-8, a directory, missing, 10 MB,
        10,000-deep parentheses, a 20,000-term sum, tabs, CRLF, a BOM).
Output: pass/fail.
Role:   ``mlc check`` and ``mlc fmt`` are run in-process (fast) and, for a few cases, as real
        subprocesses (the console script, as a user runs it).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from mlc.runtime.cli import main

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = (ROOT / "specs" / "quickstart.ml").read_text(encoding="utf-8")
ERROR_LINE = re.compile(r"^(?P<path>[^\n]+):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>E\d{3})\]: ", re.M)


def _run(capsys, *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "Traceback" not in output
    return status, output


def _codes(output: str) -> list[str]:
    return [m.group("code") for m in ERROR_LINE.finditer(output)]


CASES: dict[str, tuple[bytes, int, str | None]] = {
    # name: (content, exit status of `mlc check`, a code that must appear (None: the file is valid))
    "empty": (b"", 1, "E103"),
    "only_comments": (b"# nothing here\n", 1, "E103"),
    "binary": (bytes(range(256)) * 4, 1, "E003"),
    "not_utf8": ("problem caf\xe9\n".encode("latin-1"), 1, "E003"),
    "nested_parens": (b"problem p\nlet a = " + b"(" * 2_000 + b"1" + b")" * 2_000 + b"\n", 1, "E005"),
    "long_sum": (b"problem p\nlet a = " + b"+".join([b"1"] * 20_000) + b"\n", 1, "E004"),  # 40,000 tokens
    "deep_unary": (b"problem p\nlet a = " + b"-" * 4_990 + b"1\n", 1, "E005"),
    "tabs": (QUICKSTART.replace("  ", "\t").encode(), 0, None),
    "crlf": (QUICKSTART.replace("\n", "\r\n").encode(), 0, None),
    "bom": (b"\xef\xbb\xbf" + QUICKSTART.encode(), 0, None),
    "cr_only": (QUICKSTART.replace("\n", "\r").encode(), 1, None),
    "unicode_names": ("problem p\nlet \u00e9 = 1\n".encode(), 1, "E002"),
    "control_chars": (b"problem p\x01\n", 1, "E002"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_check_odd_inputs(name: str, tmp_path: Path, capsys) -> None:
    content, status, code = CASES[name]
    path = tmp_path / f"{name}.ml"
    path.write_bytes(content)
    got, output = _run(capsys, "check", str(path))
    assert got == status, output
    if status == 1:
        assert ERROR_LINE.search(output), output
        assert all(m.group("path") == str(path) for m in ERROR_LINE.finditer(output))
    if code is not None:
        assert code in _codes(output), output


@pytest.mark.parametrize("name", sorted(CASES))
def test_fmt_odd_inputs(name: str, tmp_path: Path, capsys) -> None:
    content, status, _ = CASES[name]
    path = tmp_path / f"{name}.ml"
    path.write_bytes(content)
    got, output = _run(capsys, "fmt", str(path))
    if got != 0:  # not formatted: the file is untouched and the reason is a diagnostic
        assert path.read_bytes() == content
        assert ERROR_LINE.search(output), output
    else:
        formatted = path.read_text(encoding="utf-8")
        assert "\r" not in formatted and not formatted.startswith("\ufeff")
        if status == 0:  # still the same spec
            assert main(["check", "-q", str(path)]) == 0


def test_ten_megabytes_is_refused_quickly(tmp_path: Path, capsys) -> None:
    path = tmp_path / "huge.ml"
    path.write_bytes(b"# " + b"x" * 10_000_000)
    got, output = _run(capsys, "check", str(path))
    assert got == 1 and "E004" in _codes(output)
    assert "10,000,002 bytes" in output


def test_missing_file_and_directory_are_usage_errors(tmp_path: Path, capsys) -> None:
    got, output = _run(capsys, "check", str(tmp_path / "nope.ml"))
    assert got == 2 and "no such file" in output
    got, output = _run(capsys, "check", str(tmp_path))
    assert got == 2 and "directory" in output
    got, output = _run(capsys, "fmt", str(tmp_path / "nope.ml"))
    assert got == 2


def test_tab_keeps_caret_aligned(tmp_path: Path, capsys) -> None:
    path = tmp_path / "tab.ml"
    edited = QUICKSTART.replace("  steps     = 2000", "\tstepz\t= 1500")
    assert edited != QUICKSTART, "the edit no longer applies to specs/quickstart.ml"
    path.write_text(edited, encoding="utf-8")
    got, output = _run(capsys, "check", str(path))
    assert got == 1
    lines = output.splitlines()
    source = next(i for i, line in enumerate(lines) if line.endswith("\tstepz\t= 1500"))
    assert lines[source + 1].endswith("| \t^^^^^")  # the tab is copied, so the caret sits under `stepz`


def test_crlf_positions_match_lf(tmp_path: Path, capsys) -> None:
    bad = QUICKSTART.replace("width = 64", "width = 0")
    for name, text in (("lf.ml", bad), ("crlf.ml", bad.replace("\n", "\r\n"))):
        (tmp_path / name).write_bytes(text.encode())
    _, lf = _run(capsys, "check", str(tmp_path / "lf.ml"))
    _, crlf = _run(capsys, "check", str(tmp_path / "crlf.ml"))
    assert "\r" not in crlf
    assert lf.replace("lf.ml", "X") == crlf.replace("crlf.ml", "X")


def test_several_files_worst_status_wins(tmp_path: Path, capsys) -> None:
    good = ROOT / "specs" / "quickstart.ml"
    bad = tmp_path / "bad.ml"
    bad.write_text("problem p\nlet = 1\n", encoding="utf-8")
    assert _run(capsys, "check", str(good), str(bad))[0] == 1
    assert _run(capsys, "check", str(good), str(bad), str(tmp_path / "missing.ml"))[0] == 2


@pytest.mark.parametrize("content, status, code", [
    (b"\x00\x01\x02binary", 1, "E003"),
    (b"problem p\nlet a = " + b"(" * 2_000 + b")" * 2_000 + b"\n", 1, "E005"),
])
def test_real_subprocess(tmp_path: Path, content: bytes, status: int, code: str) -> None:
    path = tmp_path / "spec.ml"
    path.write_bytes(content)
    result = subprocess.run([sys.executable, "-m", "mlc.runtime.cli", "check", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == status
    assert "Traceback" not in result.stdout + result.stderr
    assert f"error[{code}]" in result.stderr


def test_real_subprocess_missing_file(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "mlc.runtime.cli", "check", str(tmp_path / "x.ml")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("mlc: error: cannot read")
