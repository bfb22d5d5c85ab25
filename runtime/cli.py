"""The ``mlc`` command line.

Input:  argv.
Output: an exit status: 0 success, 1 the spec has errors (or a run failed), 2 usage error, 141 stdout closed.
Role:   dispatch each subcommand to its module. Subcommand modules are imported lazily, so that
        ``check``, ``fmt`` and ``compile`` never import torch and answer in well under a second.

Each command module defines ``configure(parser)`` (add its arguments) and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from typing import Sequence

from mlc import __version__

# name -> (module under mlc.runtime, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("cmd_check", "parse and check spec files; print diagnostics"),
    "fmt": ("cmd_fmt", "rewrite spec files in the canonical layout (comments kept)"),
    "compile": ("cmd_compile", "show the AST, the typed IR or the expanded plan (a dry run)"),
    "bounds": ("cmd_bounds", "the theorems that apply, their hypotheses and values; no training"),
    "compile-and-run": ("cmd_run", "train every run of the sweep and report errors next to bounds"),
    "runs": ("cmd_runs", "the results store: ls, show, diff, gc, export"),
    "export": ("cmd_export", "a spec for a paper: highlighted LaTeX, Markdown or HTML, and its maths (--math)"),
    "weave": ("cmd_weave", "run the specs a paper embeds and write their numbers, tables and figures into it"),
}


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on usage errors, which is what we want; keep its message short."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mlc",
        description="mlc: a declarative language and compiler for function-space learning experiments.",
    )
    parser.add_argument("--version", action="version", version=f"mlc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        try:
            module = importlib.import_module(f"mlc.runtime.{module_name}")
        except ModuleNotFoundError as exc:  # a command whose module is not installed in this build
            if exc.name != f"mlc.runtime.{module_name}":
                raise
            continue
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.configure(command_parser)
        command_parser.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        status = int(args._module.run(args))
        sys.stdout.flush()  # a closed pipe shows here, inside the handler, not at interpreter exit
        return status
    except KeyboardInterrupt:
        print("mlc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _stdout_closed()


def _stdout_closed() -> int:
    """The reader of stdout went away (``mlc compile FILE | head``): stop quietly, as Unix tools do.

    Python ignores SIGPIPE, so a write to a closed pipe raises instead of ending the process. Point stdout at
    the null device so that the interpreter's final flush cannot fail again ("Exception ignored ..."), and
    exit with the status of a process ended by SIGPIPE, which is what the shell reports for ``cat`` or ``seq``.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 128 + signal.SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
