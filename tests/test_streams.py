"""Streams and internal errors (issue 9, items 5 and 12): no traceback on any stream, text printed as text.

Input:  every command, with standard output closed (``| head -c 100``) or full (``> /dev/full``), in real
        processes and in-process with a stream that refuses writes; a command that raises an unexpected exception;
        a training failure whose message holds rich markup, emoji codes and ``[/x]``.
Output: pass/fail.
Role:   the command line's promises: a closed stdout ends mlc quietly with 141 (as SIGPIPE ends ``cat``), a full one
        with one line on stderr and status 1, never a traceback or "Exception ignored"; an internal error is E999
        with a report file (traceback, versions, command) whose path is printed; console text is never read as
        markup (a static check: every rich console is built by ``runtime.console.make_console``).
"""

from __future__ import annotations

import ast as pyast
import errno
import io
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mlc.runtime import cli
from mlc.runtime.cli import main
from mlc.runtime.console import make_console, say
from mlc.runtime.store import Store
from spec_fixtures import TINY_SPEC

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = str(ROOT / "specs" / "quickstart.ml")

# Every command, with arguments that make it print something on stdout ({spec}: a tiny spec; {store}: its store).
COMMAND_LINES = {
    "version": ["--version"],
    "help": ["--help"],
    "check": ["check", "{spec}"],
    "fmt-stdin": ["fmt", "-"],
    "fmt-diff": ["fmt", "--diff", "{loose}"],
    "compile-ast": ["compile", "{spec}", "--emit", "ast"],
    "compile-ir": ["compile", "{spec}", "--emit", "ir", "--json"],
    "compile-plan": ["compile", "{spec}", "--emit", "plan"],
    "compile-schema": ["compile", "{spec}", "--emit", "schema"],
    "bounds": ["bounds", "{spec}", "--no-estimate-norm"],
    "runs-ls": ["runs", "ls", "--store", "{store}"],
    "runs-gc": ["runs", "gc", "--dry-run", "--store", "{store}"],
    "runs-export": ["runs", "export", "--store", "{store}", "--output", "{tmp}/runs.csv"],
    "compile-and-run": ["compile-and-run", "{spec}", "--device", "cpu", "--no-plots", "--store", "{store}",
                        "--out", "{out}"],
}


def _argv(name: str, tmp: Path) -> list[str]:
    spec = tmp / "tiny.ml"
    if not spec.exists():
        spec.write_text(TINY_SPEC)
        (tmp / "loose.ml").write_text(TINY_SPEC.replace("let d = 3", "let   d =   3"))
        Store(tmp / "store").close()  # an empty store, for `mlc runs ls`
    values = {"{spec}": str(spec), "{loose}": str(tmp / "loose.ml"), "{store}": str(tmp / "store"),
              "{out}": str(tmp / "out")}
    return [values.get(a, a).replace("{tmp}", str(tmp)) for a in COMMAND_LINES[name]]


class _Refusing(io.StringIO):
    """A stdout that refuses every write, as a closed pipe or a full device does."""

    def __init__(self, error: OSError) -> None:
        super().__init__()
        self.error = error

    def write(self, text: str) -> int:
        raise self.error

    def flush(self) -> None:
        raise self.error


@pytest.mark.parametrize("name", sorted(set(COMMAND_LINES) - {"compile-and-run"}))
@pytest.mark.parametrize("error, status", [(BrokenPipeError(errno.EPIPE, "Broken pipe"), 128 + signal.SIGPIPE),
                                           (OSError(errno.ENOSPC, "No space left on device"), 1)])
def test_a_failing_stdout_never_gives_a_traceback(name, error, status, tmp_path, monkeypatch, capsys):
    argv = _argv(name, tmp_path)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TINY_SPEC.encode())))
    monkeypatch.setattr(sys, "stdout", _Refusing(error))
    assert main(argv) == status
    err = capsys.readouterr().err
    assert "Traceback" not in err and "E999" not in err, err
    if status == 1:
        assert err.strip().splitlines()[-1] == "mlc: error: cannot write to standard output: No space left on device"
    else:
        assert err == ""


@pytest.mark.parametrize("name", ["version", "check", "fmt-stdin", "compile-plan", "runs-ls", "compile-and-run"])
@pytest.mark.parametrize("how", ["closed", "full"])
def test_closed_or_full_stdout_in_a_real_process(name, how, tmp_path):
    """The interpreter's own final flush must not complain either ("Exception ignored ...")."""
    argv = _argv(name, tmp_path)
    command = [sys.executable, "-m", "mlc.runtime.cli", *argv]
    stdin = subprocess.PIPE if name == "fmt-stdin" else subprocess.DEVNULL
    if how == "closed":
        child = subprocess.Popen(command, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
        assert child.stdout is not None and child.stderr is not None
        child.stdout.close()  # the reader went away before mlc wrote anything
        if child.stdin is not None:
            child.stdin.write(TINY_SPEC.encode())
            child.stdin.close()
        stderr = child.stderr.read().decode()
        status = child.wait(timeout=300)
        expected = 128 + signal.SIGPIPE
    else:
        with open("/dev/full", "w") as full:
            done = subprocess.run(command, input=TINY_SPEC if name == "fmt-stdin" else None,
                                  stdin=None if name == "fmt-stdin" else subprocess.DEVNULL,
                                  stdout=full, stderr=subprocess.PIPE, text=True, cwd=tmp_path, timeout=300)
        stderr, status, expected = done.stderr, done.returncode, 1
    assert "Traceback" not in stderr and "Exception ignored" not in stderr and "E999" not in stderr, stderr
    assert status == expected, stderr
    if how == "full":
        assert "mlc: error: cannot write to standard output: No space left on device" in stderr
    if name == "compile-and-run":  # the report could not be shown; the results were written before it
        data = json.loads((tmp_path / "out" / "results.json").read_text())
        assert data["status"] == "complete" and len(data["runs"]) == data["planned_runs"] == 4


# ------------------------------------------------------------------------------------------- internal errors

def test_an_internal_error_is_E999_with_a_report_file(tmp_path, monkeypatch, capsys):
    module = cli.build_parser()._subparsers._group_actions[0].choices["check"].get_default("_module")

    def broken(args):
        raise ValueError("boom [/x] in a [bold]message[/bold]")

    monkeypatch.setattr(module, "run", broken)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # read $TMPDIR again
    assert main(["check", "spec.ml"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert "Traceback" not in err
    assert lines[0] == "mlc: error[E999]: internal error: ValueError: boom [/x] in a [bold]message[/bold]"
    assert lines[1].startswith("help: this is a bug in mlc, not in your spec; please report it with the spec")
    reports = list(tmp_path.glob("mlc-internal-error-*.txt"))
    assert len(reports) == 1 and str(reports[0]) in lines[1]
    text = reports[0].read_text()
    assert "command:  mlc check spec.ml" in text
    assert "mlc:      0." in text or "mlc:      1." in text
    assert "torch:    " in text and "python:   " in text
    assert "Traceback (most recent call last)" in text and "ValueError: boom" in text and "def broken" not in text
    assert "in broken" in text  # the frame that raised


def test_an_internal_error_without_a_writable_temp_folder_still_says_what_happened(tmp_path, monkeypatch, capsys):
    module = cli.build_parser()._subparsers._group_actions[0].choices["check"].get_default("_module")
    monkeypatch.setattr(module, "run", lambda args: 1 / 0)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "no-such-folder"))
    assert main(["check", "spec.ml"]) == 1
    err = capsys.readouterr().err
    assert "error[E999]: internal error: ZeroDivisionError: division by zero" in err
    assert "no report could be written" in err and "Traceback" not in err


# ---------------------------------------------------------------------------------------- text, not markup

HOSTILE_TEXT = "RuntimeError: [enforce fail at alloc_cpu.cpp:127] data. not enough memory [/x] [bold]b[/] :smile: 1e9"


def test_console_prints_text_as_text():
    console = make_console()
    with console.capture() as capture:
        say(console, HOSTILE_TEXT)
        console.print(HOSTILE_TEXT, soft_wrap=True)  # the console itself reads no markup either
    assert capture.get() == HOSTILE_TEXT + "\n" + HOSTILE_TEXT + "\n"


def test_a_failure_message_with_markup_reaches_the_console_intact(tmp_path, monkeypatch, capsys):
    """Case 12: a torch error shown as a failed run's message kept every bracket."""
    spec = tmp_path / "tiny.ml"
    spec.write_text(TINY_SPEC)

    def out_of_memory(*args, **kwargs):
        raise RuntimeError(HOSTILE_TEXT.removeprefix("RuntimeError: "))

    monkeypatch.setattr("mlc.runtime.execute._train_group", out_of_memory)
    status = main(["compile-and-run", str(spec), "--device", "cpu", "--no-plots", "--store", str(tmp_path / "s"),
                   "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert status == 1
    assert f"4 run(s) failed; first error: {HOSTILE_TEXT}" in out, out
    assert "Traceback" not in out + err


def _calls(tree: pyast.AST, name: str) -> list[pyast.Call]:
    return [node for node in pyast.walk(tree) if isinstance(node, pyast.Call) and (
        (isinstance(node.func, pyast.Name) and node.func.id == name)
        or (isinstance(node.func, pyast.Attribute) and node.func.attr == name))]


def test_every_rich_console_is_made_by_make_console():
    """Static: a Console built anywhere else could read markup; a progress column must not read it either."""
    offenders = []
    for path in sorted((ROOT / "runtime").glob("*.py")):
        tree = pyast.parse(path.read_text(encoding="utf-8"))
        if path.name != "console.py":
            offenders += [f"{path.name}:{c.lineno}: Console(...)" for c in _calls(tree, "Console")]
        for call in _calls(tree, "TextColumn"):
            if not any(k.arg == "markup" and isinstance(k.value, pyast.Constant) and k.value.value is False
                       for k in call.keywords):
                offenders.append(f"{path.name}:{call.lineno}: TextColumn without markup=False")
    assert not offenders, offenders


@pytest.mark.parametrize("redirect, status, message", [
    (">&-", 1, "mlc: error: cannot write to standard output: Bad file descriptor\n"),  # as `cat FILE >&-` does
    ("2>&-", 0, ""),  # nothing to say on stderr: the command's own status
    (">&- 2>&-", 1, ""),
])
def test_a_process_started_with_its_streams_closed(redirect, status, message, tmp_path):
    """Python gives a closed descriptor as ``sys.stdout = None``; writing to it must not be an internal error."""
    argv = " ".join(_argv("check", tmp_path))
    script = f"{sys.executable} -m mlc.runtime.cli {argv} {redirect}; echo status $? >&3"
    done = subprocess.run(["bash", "-c", f"exec 3>&2; {script}"], capture_output=True, text=True, timeout=120)
    assert done.stderr == message + f"status {status}\n"
