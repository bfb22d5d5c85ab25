"""Reading a paper for ``mlc weave``: the specs it embeds and the results it refers to.

Input:  the text of a LaTeX or Markdown document and its path.
Output: :class:`Document`: the embedded specs (:class:`SpecBlock`, with the document line where each body
        starts) and the references (:class:`Ref`: a value, a table or a figure, with its place in the text),
        or :class:`WeaveError` with the document's file, line and column.
Role:   the syntax of papers, one table per format (docs/papers.md):

LaTeX::

    \\begin{mlcspec}{NAME} ... \\end{mlcspec}        a spec written in the paper (shown highlighted)
    \\mlcinclude{NAME}{PATH.ml}                     a spec file, relative to the paper (shown highlighted)
    \\mlc[fmt=.3g,pm]{NAME}{METRIC}{KEY=V,...}       one value: the mean over seeds (pm: ± their sd)
    \\mlctable[fmt=.3g,pm]{NAME}{KEY}{METRIC,...}    a booktabs table: a row per value of KEY
    \\mlcfigure[width=.7\\linewidth]{NAME}{METRIC}{KEY}  the report's plot METRIC vs KEY (PDF)

Markdown::

    ```mlc NAME            a spec written in the paper;  ```mlc NAME file=PATH.ml``` (empty) includes a file
    {{mlc NAME METRIC KEY=V ... fmt=.3g pm}}   {{mlctable NAME KEY METRIC,... fmt=.3g pm}}
    {{mlcfigure NAME METRIC KEY}}

Nothing of the document is evaluated: names and numbers are read by these patterns and checked later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

RefKind = Literal["value", "table", "figure"]


class WeaveError(Exception):
    """A problem in the document, at ``path:line:col``, with a hint."""

    def __init__(self, path: str, line: int, col: int, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.path, self.line, self.col, self.message, self.hint = path, line, col, message, hint

    def render(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: error: {self.message}" + (f"\n  hint: {self.hint}" if self.hint else "")


@dataclass
class SpecBlock:
    """One spec of the paper: its name, its text, and where its first line is (in the paper or its file)."""

    name: str
    text: str
    source: str  # the file the text's lines belong to: the paper, or the included .ml file
    first_line: int  # line of ``source`` on which the text starts (1-based)
    start: int  # the block's span in the document text
    end: int
    included: bool = False


@dataclass
class Ref:
    """One reference to results: ``spec``'s ``args`` (METRIC and KEY=V, or KEY and METRICs, or METRIC and KEY)."""

    kind: RefKind
    spec: str
    args: list[str]
    options: dict[str, str]
    line: int
    col: int
    start: int
    end: int


@dataclass
class Document:
    path: str
    format: Literal["tex", "md"]
    text: str
    specs: list[SpecBlock] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)

    def spec(self, name: str) -> SpecBlock | None:
        return next((s for s in self.specs if s.name == name), None)


_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_TEX_SPEC = re.compile(r"\\begin\{mlcspec\}\{(?P<name>[^{}]*)\}[ \t]*\n(?P<body>.*?)^[ \t]*\\end\{mlcspec\}",
                       re.S | re.M)
_TEX_INCLUDE = re.compile(r"\\mlcinclude\{(?P<name>[^{}]*)\}\{(?P<path>[^{}]*)\}")
_TEX_REF = re.compile(r"\\(?P<cmd>mlc|mlctable|mlcfigure)(?:\[(?P<opts>[^\]]*)\])?"
                      r"\{(?P<a>[^{}]*)\}\{(?P<b>[^{}]*)\}\{(?P<c>[^{}]*)\}")
_TEX_ANY = re.compile(r"\\(mlc|mlctable|mlcfigure|mlcinclude)(?![A-Za-z])")
_MD_SPEC = re.compile(r"^(?P<fence>`{3,})mlc[ \t]+(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.S | re.M)
_MD_REF = re.compile(r"\{\{(?P<cmd>mlc|mlctable|mlcfigure)[ \t]+(?P<body>[^{}\n]*)\}\}")
_TEX_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_KINDS: dict[str, RefKind] = {"mlc": "value", "mlctable": "table", "mlcfigure": "figure"}


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _options(raw: str, path: str, text: str, offset: int) -> dict[str, str]:
    opts: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        key, eq, value = part.partition("=")
        if key.strip() not in ("fmt", "pm", "width"):
            line, col = _position(text, offset)
            raise WeaveError(path, line, col, f"unknown option `{key.strip()}`",
                             "options are fmt=FORMAT (a Python format spec such as .3g), pm (± sd over seeds), "
                             "width=LENGTH (figures)")
        opts[key.strip()] = value.strip() if eq else ""
    return opts


def _spec_name(name: str, path: str, text: str, offset: int) -> str:
    if not re.fullmatch(_NAME, name):
        line, col = _position(text, offset)
        raise WeaveError(path, line, col, f"`{name}` is not a spec name", "a name is letters, digits, _ and -")
    return name


def read_document(path: str, text: str) -> Document:
    """The specs and references of a document (format by extension: .tex, else Markdown)."""
    fmt: Literal["tex", "md"] = "tex" if path.endswith(".tex") else "md"
    doc = Document(path, fmt, text)
    base = Path(path).parent
    if fmt == "tex":
        comments = [(c.start(), c.end()) for c in _TEX_COMMENT.finditer(text)]

        def live(m: re.Match[str]) -> bool:  # not inside a LaTeX comment
            return not any(a <= m.start() < b for a, b in comments)

        for m in filter(live, _TEX_SPEC.finditer(text)):
            name = _spec_name(m["name"], path, text, m.start())
            doc.specs.append(SpecBlock(name, m["body"], path, _position(text, m.start("body"))[0], m.start(), m.end()))
        for m in filter(live, _TEX_INCLUDE.finditer(text)):
            doc.specs.append(_included(_spec_name(m["name"], path, text, m.start()), m["path"], base, path, text,
                                       m.start(), m.end()))
        for m in filter(live, _TEX_REF.finditer(text)):
            line, col = _position(text, m.start())
            opts = _options(m["opts"] or "", path, text, m.start())
            # value: METRIC, KEY=V...; table: KEY, METRIC...; figure: METRIC, KEY
            args = [m["b"].strip(), *[a.strip() for a in m["c"].split(",") if a.strip()]]
            doc.refs.append(Ref(_KINDS[m["cmd"]], m["a"].strip(), args, opts, line, col, m.start(), m.end()))
        _no_stray_commands(doc, comments)
    else:
        for m in _MD_SPEC.finditer(text):
            words = m["info"].split()
            name = _spec_name(words[0] if words else "", path, text, m.start())
            files = [w[len("file="):] for w in words[1:] if w.startswith("file=")]
            if files:
                doc.specs.append(_included(name, files[0], base, path, text, m.start(), m.end()))
            else:
                doc.specs.append(SpecBlock(name, m["body"], path, _position(text, m.start("body"))[0], m.start(),
                                           m.end()))
        for m in _MD_REF.finditer(text):
            line, col = _position(text, m.start())
            words = m["body"].split()
            opts = _options(",".join(w for w in words if w == "pm" or w.startswith(("fmt=", "width="))), path, text,
                            m.start())
            rest = [w for w in words if not (w == "pm" or w.startswith(("fmt=", "width=")))]
            if not rest:
                raise WeaveError(path, line, col, f"`{{{{{m['cmd']}}}}}` names no spec", "write {{mlc NAME METRIC ...}}")
            args = rest[1:]
            if m["cmd"] == "mlctable" and len(args) >= 2:
                args = [args[0], *[a for a in ",".join(args[1:]).split(",") if a]]
            doc.refs.append(Ref(_KINDS[m["cmd"]], rest[0], args, opts, line, col, m.start(), m.end()))
    _unique_names(doc)
    return doc


def _included(name: str, rel: str, base: Path, path: str, text: str, start: int, end: int) -> SpecBlock:
    file = (base / rel)
    try:
        body = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        line, col = _position(text, start)
        raise WeaveError(path, line, col, f"cannot read the spec file `{rel}`: "
                         f"{exc.strerror if isinstance(exc, OSError) else 'not UTF-8 text'}",
                         "the path is relative to the document") from None
    return SpecBlock(name, body, str(file), 1, start, end, included=True)


def _no_stray_commands(doc: Document, comments: list[tuple[int, int]]) -> None:
    """A ``\\mlc...`` command that none of the patterns read is a typo: say so instead of leaving it to LaTeX."""
    taken = [(s.start, s.end) for s in doc.specs] + [(r.start, r.end) for r in doc.refs] + comments
    for m in _TEX_ANY.finditer(doc.text):
        if not any(a <= m.start() < b for a, b in taken):
            line, col = _position(doc.text, m.start())
            usage = {"mlc": r"\mlc[fmt=.3g,pm]{NAME}{METRIC}{KEY=V,...}",
                     "mlctable": r"\mlctable[fmt=.3g,pm]{NAME}{KEY}{METRIC,...}",
                     "mlcfigure": r"\mlcfigure[width=...]{NAME}{METRIC}{KEY}",
                     "mlcinclude": r"\mlcinclude{NAME}{PATH.ml}"}[m.group(1)]
            raise WeaveError(doc.path, line, col, f"`\\{m.group(1)}` with the wrong arguments", f"write {usage}")


def _unique_names(doc: Document) -> None:
    seen: set[str] = set()
    for s in doc.specs:
        if s.name in seen:
            line, col = _position(doc.text, s.start)
            raise WeaveError(doc.path, line, col, f"a second spec named `{s.name}`", "give each spec its own name")
        seen.add(s.name)
