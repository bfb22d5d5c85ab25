"""The command line: --version, --help on every command, exit codes (no torch in the front end: test_layering)."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mlc import __version__
from mlc.runtime.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = str(ROOT / "specs" / "quickstart.ml")


def test_version(capsys):
    assert main(["--version"]) == 0  # argparse's SystemExit becomes the status, inside the stream guard
    assert __version__ in capsys.readouterr().out


def test_every_registered_command_is_installed():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    assert set(subparsers.choices) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_on_every_command(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: mlc " + command)


def test_no_command_is_a_usage_error(capsys):
    assert main([]) == 2


def test_unknown_option_is_a_usage_error(capsys):
    assert main(["check", "--no-such-flag", QUICKSTART]) == 2


def test_check_ok_and_missing_file(capsys):
    assert main(["check", QUICKSTART]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["check", str(ROOT / "no-such-spec.ml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_check_spec_error_exits_1(tmp_path, capsys):
    spec = tmp_path / "bad.ml"
    spec.write_text("input x ~ uniform(cube(3))\ntarget f*(x) = x[4]\nmodel net = two_layer(width = 0)\n")
    assert main(["check", str(spec)]) == 1
    err = capsys.readouterr().err
    assert f"{spec}:2:" in err and "error[E302]" in err
    assert f"{spec}:3:" in err and "error[E202]" in err


def test_compile_plan_json_round_trips(capsys):
    from mlc.compiler.ir import Plan

    assert main(["compile", QUICKSTART, "--emit", "plan", "--json"]) == 0
    plan = Plan.model_validate_json(capsys.readouterr().out)
    assert len(plan.runs) == 12
    assert {r.model.width for r in plan.runs} == {8, 32, 128, 512}


def test_compile_schema_is_json(capsys):
    import json

    assert main(["compile", QUICKSTART, "--emit", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Plan"


# Bug 6: a reader that stops early (`mlc compile FILE --emit plan | head -1`) closes the pipe; mlc stops
# quietly, as Unix tools do: no traceback, no "Exception ignored" message, the status of a SIGPIPE death.
@pytest.mark.parametrize("argv", [
    ["compile", QUICKSTART, "--emit", "plan"],
    ["compile", QUICKSTART, "--emit", "ir"],
    ["compile", QUICKSTART, "--emit", "ast"],
    ["compile", QUICKSTART, "--emit", "schema"],
    ["fmt", "--diff", "UNFORMATTED"],
    ["bounds", QUICKSTART],
])
def test_closed_stdout_exits_quietly(argv, tmp_path):
    if "UNFORMATTED" in argv:
        spec = tmp_path / "loose.ml"
        spec.write_text(Path(QUICKSTART).read_text().replace("let d = 5", "let   d =   5"))
        argv = [str(spec) if a == "UNFORMATTED" else a for a in argv]
    # `head -1` that has already exited: the read end is closed before mlc writes anything (starting
    # Python takes far longer than closing), so every write fails, whatever the size of the output.
    child = subprocess.Popen([sys.executable, "-m", "mlc.runtime.cli", *argv], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=tmp_path)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    stderr = child.stderr.read().decode()
    status = child.wait(timeout=120)
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr and "Exception ignored" not in stderr, stderr
    assert stderr == ""
    assert status == 128 + signal.SIGPIPE


def test_head_reads_the_first_line_and_mlc_exits_quietly(tmp_path):
    """The bug as reported, through a shell: `mlc compile FILE --emit ast | head -1`. The AST of this spec is
    over 100 kB, more than a pipe holds, so mlc is still writing when head exits."""
    spec = tmp_path / "long.ml"
    spec.write_text("".join(f"let c{i} = {i}\n" for i in range(1000)) + Path(QUICKSTART).read_text())
    mlc = f"{shlex.quote(sys.executable)} -m mlc.runtime.cli"
    script = f"{mlc} compile {shlex.quote(str(spec))} --emit ast | head -1; echo \"status ${{PIPESTATUS[0]}}\" >&2"
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.stdout.startswith("LetStmt(")
    assert result.stderr == f"status {128 + signal.SIGPIPE}\n"
