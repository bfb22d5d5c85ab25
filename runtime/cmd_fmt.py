"""``mlc fmt [--check] [--diff] FILE...``: rewrite specs in the canonical layout.

Input:  spec paths (``-`` reads stdin and writes the result to stdout).
Output: files rewritten in place (only when their text changes; comments kept; through a symlink, its target). ``--check`` writes
        nothing and lists the files that would change; ``--diff`` writes nothing and prints a unified
        diff. Exit 0 when nothing is (or would be) wrong; 1 if a file has syntax errors (it is not
        touched), or, with ``--check``/``--diff``, if a file would change; 2 on usage errors.
Role:   the command around :func:`mlc.dsl.formatter.format_text`; the layout rules live there.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="spec files (.ml); - reads stdin")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and list the files that would be reformatted")
    parser.add_argument("--diff", action="store_true", help="write nothing; print what would change")


def _write_atomically(path: str, text: str) -> None:
    """Replace the file ``path`` names by ``text``, keeping its permissions. A symlink is written through: the
    file it points to is formatted and the link stays a link (``os.replace`` on the link would replace it by a
    copy and leave the real file unformatted)."""
    path = os.path.realpath(path)
    directory = os.path.dirname(path)
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=".mlc-fmt-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _one(path: str, args: argparse.Namespace) -> int:
    from mlc.dsl.diagnostics import render_all
    from mlc.dsl.formatter import format_text
    from mlc.dsl.source import SourceError, read_source

    try:
        source = read_source(path)
    except SourceError as exc:
        if exc.usage or exc.diagnostic is None:
            print(f"mlc: error: {exc.message}", file=sys.stderr)
            return 2
        print(render_all([exc.diagnostic], path, None), file=sys.stderr)
        return 1
    formatted, diagnostics = format_text(source.text, source.path)
    if formatted is None:
        print(render_all(diagnostics, source.path, source.text), file=sys.stderr)
        print(f"{source.path}: not formatted (fix the errors first)", file=sys.stderr)
        return 1
    if path == "-":
        if args.diff or args.check:
            changed = formatted != source.text
            if args.diff and changed:
                sys.stdout.writelines(difflib.unified_diff(
                    source.text.splitlines(True), formatted.splitlines(True), "<stdin>", "<stdin> (formatted)"))
            return 1 if changed else 0
        sys.stdout.write(formatted)
        return 0
    with open(path, "rb") as handle:  # compare with the bytes on disk (BOM, CRLF count as changes)
        on_disk = handle.read()
    if on_disk == formatted.encode("utf-8"):
        return 0
    if args.diff:
        sys.stdout.writelines(difflib.unified_diff(
            source.text.replace("\r\n", "\n").splitlines(True), formatted.splitlines(True),
            path, f"{path} (formatted)"))
    if args.check:
        print(f"would reformat {path}")
    if args.check or args.diff:
        return 1
    try:
        _write_atomically(path, formatted)
    except OSError as exc:
        print(f"mlc: error: cannot write '{path}': {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"reformatted {path}")
    return 0


def run(args: argparse.Namespace) -> int:
    status = 0
    for path in args.files:
        status = max(status, _one(path, args))
    return status
