"""Reading spec files safely.

Input:  a path given on the command line.
Output: a :class:`SourceFile` (path and text), or a :class:`SourceError` that says why the file cannot be
        used, as a diagnostic when the problem is in the file's content (exit 1) or as a usage error when
        there is no readable file at all (exit 2).
Role:   shield every later stage from bad input: missing files, directories, binary or non-UTF-8 data, and
        files too large to be a spec. Nothing here raises an exception to the user.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from mlc.dsl import messages
from mlc.dsl.diagnostics import Diagnostic, Span

MAX_SPEC_BYTES = 1_000_000
"""Specs are short texts; anything larger is almost certainly the wrong file."""


@dataclass
class SourceFile:
    path: str
    text: str


@dataclass
class SourceError(Exception):
    """Why a file cannot be read. ``usage`` errors exit with 2, content errors with 1."""

    path: str
    message: str
    usage: bool
    diagnostic: Diagnostic | None = None


def _position_of(data: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a byte offset; columns count decoded characters before it."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return line, column


def decode_source(path: str, data: bytes, reported_size: int | None = None) -> SourceFile:
    """Validate raw bytes as a spec text; raise :class:`SourceError` with a diagnostic if they are not."""
    if len(data) > MAX_SPEC_BYTES:
        size = reported_size if reported_size is not None else len(data)
        diag = messages.too_large(size, MAX_SPEC_BYTES)
        raise SourceError(path, diag.message, usage=False, diagnostic=diag)
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _position_of(data, nul)
        diag = messages.nul_byte(Span.point(line, column, nul))
        raise SourceError(path, diag.message, usage=False, diagnostic=diag)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position_of(data, exc.start)
        diag = messages.not_utf8(data[exc.start], exc.start, Span.point(line, column, exc.start))
        raise SourceError(path, diag.message, usage=False, diagnostic=diag) from None
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # keep columns stable: the BOM becomes a space
    return SourceFile(path, text)


def read_source(path: str) -> SourceFile:
    """Read and validate a spec file. Raises :class:`SourceError`, never an OSError."""
    if path == "-":
        import sys

        return decode_source("<stdin>", sys.stdin.buffer.read(MAX_SPEC_BYTES + 1))
    if not os.path.exists(path):
        raise SourceError(path, f"cannot read '{path}': no such file", usage=True)
    if os.path.isdir(path):
        raise SourceError(path, f"cannot read '{path}': it is a directory, not a spec file", usage=True)
    try:
        size = os.path.getsize(path)
        if size > MAX_SPEC_BYTES:
            return decode_source(path, b" " * (MAX_SPEC_BYTES + 1), reported_size=size)
        with open(path, "rb") as handle:
            data = handle.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise SourceError(path, f"cannot read '{path}': {exc.strerror or exc}", usage=True) from None
    return decode_source(path, data)
