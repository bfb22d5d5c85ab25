"""The ``mlc`` command line.

Input:  argv.
Output: an exit status: 0 success, 1 the spec has errors (or a run failed, or an internal error: E999 with a
        report file), 2 usage error, 141 stdout closed (a reader that went away), 1 stdout full (``> /dev/full``);
        130/143/129 after SIGINT/SIGTERM/SIGHUP in ``compile-and-run``.
Role:   dispatch each subcommand to its module. Subcommand modules are imported lazily, so that
        ``check``, ``fmt`` and ``compile`` never import torch and answer in well under a second.

Each command module defines ``configure(parser)`` (add its arguments) and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from typing import Sequence

from mlc import __version__
from mlc.runtime.console import OutputFailed, guard_streams, silence, tell_stderr

# name -> (module under mlc.runtime, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("cmd_check", "parse and check spec files; print diagnostics"),
    "fmt": ("cmd_fmt", "rewrite spec files in the canonical layout (comments kept)"),
    "compile": ("cmd_compile", "show the AST, the typed IR or the expanded plan (a dry run)"),
    "bounds": ("cmd_bounds", "the theorems that apply, their hypotheses and values; no training"),
    "compile-and-run": ("cmd_run", "train every run of the sweep and report errors next to bounds"),
    "runs": ("cmd_runs", "the results store: ls, show, diff, gc, export"),
    "export": ("cmd_export", "a spec for a paper: highlighted LaTeX, Markdown or HTML, and its maths (--math)"),
    "reproduce": ("cmd_reproduce", "rerun a folder of paper specs (or a stored result) and check what reproduces"),
    "weave": ("cmd_weave", "run the specs a paper embeds and write their numbers, tables and figures into it"),
    "lsp": ("cmd_lsp", "the language server for editors, over stdio (needs the extra: pip install 'mlc[lsp]')"),
}


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on usage errors, which is what we want; keep its message short."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line. With ``command`` (the subcommand about to run), only that command's module is imported
    and configured: the others are listed for ``--help`` but not loaded, which keeps the fixed cost of
    ``mlc check`` from paying for the imports of every other command."""
    parser = _Parser(
        prog="mlc",
        description="mlc: a declarative language and compiler for function-space learning experiments.",
    )
    parser.add_argument("--version", action="version", version=f"mlc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if command is None or name == command:
            module = importlib.import_module(f"mlc.runtime.{module_name}")
            module.configure(command_parser)
            command_parser.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; never lets a traceback reach the console (see the module docstring for the statuses)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        with guard_streams():
            return _dispatch(args_list)
    except OutputFailed as exc:
        return _output_failed(exc)


def _dispatch(argv: list[str]) -> int:
    try:
        parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
        args = parser.parse_args(argv)  # --help and --version print here, inside the guard
        if args.command is None:
            parser.print_help()
            return 2
        status = int(args._module.run(args))
        sys.stdout.flush()  # a closed pipe shows here, inside the guard, not at interpreter exit
        return status
    except KeyboardInterrupt:
        print("mlc: interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:  # argparse: --help, --version, a usage error
        sys.stdout.flush()
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except Exception as exc:  # noqa: BLE001 - an internal error: E999 and a report file, never a traceback
        from mlc.runtime import crash  # here: its imports (tempfile, platform, traceback) only a crash needs

        report = crash.write_report(exc, argv)
        for line in crash.console_lines(exc, report):
            print(line, file=sys.stderr)
        return 1


def _output_failed(exc: OutputFailed) -> int:
    """Standard output or error cannot be written: stop quietly.

    A reader that went away (``mlc compile FILE | head``) is how Unix pipelines end: Python ignores SIGPIPE, so
    the write raised instead of ending the process; exit with the status of a process ended by SIGPIPE, as the
    shell reports for ``cat`` or ``seq``. A device that refuses the bytes (``> /dev/full``) is an error: say so on
    standard error (if that still works) and exit 1. Either way the failed stream is pointed at the null device
    first, so that the interpreter's final flush cannot fail again ("Exception ignored ...").
    """
    silence(sys.stdout if exc.stream == "stdout" else sys.stderr)
    if exc.closed:
        return 128 + signal.SIGPIPE
    if exc.stream == "stdout":
        tell_stderr(f"mlc: error: {exc}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
