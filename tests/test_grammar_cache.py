"""The built grammar kept in the user's cache folder (``mlc.dsl.grammar.lark_parser``): used when present,
rebuilt when missing or unusable, never an error, and the same parser either way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = (ROOT / "specs" / "quickstart.ml").read_text(encoding="utf-8")


def _check(cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlc.runtime.cli", "check", str(ROOT / "specs" / "quickstart.ml")],
                          capture_output=True, text=True, cwd=ROOT, env={"MLC_CACHE_DIR": str(cache), "PATH": ""},
                          timeout=120)


def test_the_cache_is_written_then_read_and_a_broken_one_is_rebuilt(tmp_path: Path) -> None:
    first = _check(tmp_path)
    assert first.returncode == 0, first.stderr
    [cached] = list(tmp_path.glob("grammar-*.lark"))
    cached.write_bytes(b"not a parser")  # a damaged cache (or one from another Lark) is no error
    second = _check(tmp_path)
    assert second.returncode == 0 and second.stdout == first.stdout and second.stderr == first.stderr
    assert cached.read_bytes() != b"not a parser"  # rebuilt and saved again
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".grammar-")] == []  # no temporary left


def test_the_cached_parser_parses_as_the_built_one(tmp_path: Path, monkeypatch) -> None:
    from mlc.dsl import grammar

    monkeypatch.setenv("MLC_CACHE_DIR", str(tmp_path))
    grammar.lark_parser.cache_clear()
    try:
        built = grammar.lark_parser()  # nothing cached: built and saved
        grammar.lark_parser.cache_clear()
        loaded = grammar.lark_parser()  # read back
        assert loaded is not built and loaded.parse(SPEC) == built.parse(SPEC)
    finally:
        grammar.lark_parser.cache_clear()


def test_an_unwritable_cache_folder_is_no_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder would be")
    assert _check(blocked / "mlc").returncode == 0
