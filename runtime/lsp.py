"""The mlc language server (``mlc lsp``): diagnostics, hover, completion, formatting, symbols, definitions.

Input:  the Language Server Protocol over stdin/stdout (an editor: VS Code, Neovim, any LSP client).
Output: protocol responses and ``textDocument/publishDiagnostics`` notifications.
Role:   the protocol layer only, on pygls (the optional extra ``mlc[lsp]``). What it answers comes from pure
        modules that know nothing of the protocol: :mod:`mlc.runtime.lsp_analysis` (the checker's diagnostics,
        symbols, definitions), :mod:`mlc.runtime.lsp_hover` (schema and theory), :mod:`mlc.runtime.lsp_complete`
        (completion), and :func:`mlc.dsl.formatter.format_text` (``mlc fmt``). Each open document is compiled
        once per version, on open and on every change; requests reuse that analysis. Imports no torch.

Positions: the protocol counts UTF-16 code units unless the client negotiates UTF-8 or UTF-32; the server
converts at this boundary (:func:`~mlc.runtime.lsp_analysis.to_client`), the pure modules count code points.
"""

from __future__ import annotations

import contextlib
import os
import sys

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from mlc import __version__
from mlc.runtime.lsp_analysis import (Analysis, Symbol, TextRange, analyse, definition, document_symbols, from_client,
                                      to_client)

SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}
COMPLETION_TRIGGERS = ["(", "=", ":", ",", " "]


class MlcServer(LanguageServer):
    """A pygls server that keeps the latest :class:`Analysis` of each open document."""

    def __init__(self) -> None:
        super().__init__("mlc", __version__)
        self.analyses: dict[str, tuple[int | None, Analysis]] = {}

    def analysis(self, uri: str) -> Analysis:
        """The analysis of the document's current version (compiled now if it is not cached)."""
        document = self.workspace.get_text_document(uri)
        cached = self.analyses.get(uri)
        if cached is not None and cached[0] == document.version and cached[1].text == document.source:
            return cached[1]
        result = analyse(document.source, to_fs_path(uri) or uri)
        self.analyses[uri] = (document.version, result)
        return result

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)

    def to_range(self, analysis: Analysis, r: TextRange) -> types.Range:
        """A code-point range -> the client's units."""
        lines = analysis.lines

        def position(line: int, char: int) -> types.Position:
            text = lines[line] if 0 <= line < len(lines) else ""
            return types.Position(line=line, character=to_client(text, char, self.encoding))

        return types.Range(start=position(r.start_line, r.start_char), end=position(r.end_line, r.end_char))

    def from_position(self, analysis: Analysis, position: types.Position) -> tuple[int, int]:
        """The client's position -> (line, code-point column)."""
        lines = analysis.lines
        text = lines[position.line] if 0 <= position.line < len(lines) else ""
        return position.line, from_client(text, position.character, self.encoding)


server = MlcServer()


def publish(ls: MlcServer, uri: str) -> None:
    """Compile the document and send its diagnostics."""
    analysis = ls.analysis(uri)
    diagnostics = [types.Diagnostic(range=ls.to_range(analysis, p.range), message=p.message,
                                    severity=SEVERITY.get(p.severity, types.DiagnosticSeverity.Error),
                                    code=p.code, source="mlc")
                   for p in analysis.problems]
    version = ls.analyses[uri][0]
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics,
                                                                        version=version))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: MlcServer, params: types.DidOpenTextDocumentParams) -> None:
    publish(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: MlcServer, params: types.DidChangeTextDocumentParams) -> None:
    publish(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: MlcServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.analyses.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: MlcServer, params: types.HoverParams) -> types.Hover | None:
    from mlc.runtime.lsp_hover import hover as hover_at

    analysis = ls.analysis(params.text_document.uri)
    found = hover_at(analysis, *ls.from_position(analysis, params.position))
    if found is None:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=found.markdown),
                       range=ls.to_range(analysis, found.range))


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=COMPLETION_TRIGGERS))
def completion(ls: MlcServer, params: types.CompletionParams) -> types.CompletionList:
    from mlc.runtime.lsp_complete import complete

    document = ls.workspace.get_text_document(params.text_document.uri)
    analysis = Analysis(document.source, "", ls.analysis(params.text_document.uri).outcome)
    line, char = ls.from_position(analysis, params.position)
    items, replaced = complete(document.source, line, char)
    edit_range = ls.to_range(analysis, replaced)
    return types.CompletionList(is_incomplete=False, items=[
        types.CompletionItem(label=i.label, kind=getattr(types.CompletionItemKind, i.kind),
                             detail=i.detail or None,
                             documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=i.documentation)
                             if i.documentation else None,
                             text_edit=types.TextEdit(range=edit_range, new_text=i.label))
        for i in items])


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: MlcServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
    """``mlc fmt``: one edit replacing the whole text, none when it is formatted, null when it has syntax errors
    (the diagnostics say why)."""
    from mlc.dsl.formatter import format_text

    analysis = ls.analysis(params.text_document.uri)
    formatted, _ = format_text(analysis.text, analysis.path)
    if formatted is None:
        return None
    if formatted == analysis.text:
        return []
    lines = analysis.lines
    whole = TextRange(0, 0, len(lines) - 1, len(lines[-1]))
    return [types.TextEdit(range=ls.to_range(analysis, whole), new_text=formatted)]


def _document_symbol(ls: MlcServer, analysis: Analysis, symbol: Symbol) -> types.DocumentSymbol:
    return types.DocumentSymbol(name=symbol.name, kind=getattr(types.SymbolKind, symbol.kind),
                                detail=symbol.detail or None, range=ls.to_range(analysis, symbol.range),
                                selection_range=ls.to_range(analysis, symbol.selection),
                                children=[_document_symbol(ls, analysis, c) for c in symbol.children])


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def symbols(ls: MlcServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    analysis = ls.analysis(params.text_document.uri)
    return [_document_symbol(ls, analysis, s) for s in document_symbols(analysis.syntax)]


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
def goto_definition(ls: MlcServer, params: types.DefinitionParams) -> types.Location | None:
    analysis = ls.analysis(params.text_document.uri)
    found = definition(analysis, *ls.from_position(analysis, params.position))
    if found is None:
        return None
    return types.Location(uri=params.text_document.uri, range=ls.to_range(analysis, found))


def warm_up() -> None:
    """Import what the first hover needs (the checker, the theorem catalogue: no sympy) before serving, so that
    the first request does not pay for it."""
    import mlc.compiler.lower.norm_fit  # noqa: F401 - torch-free at import (torch only inside a fit)
    import mlc.compiler.theory.catalog  # noqa: F401
    import mlc.runtime.cmd_bounds  # noqa: F401
    import mlc.runtime.lsp_complete  # noqa: F401
    import mlc.runtime.lsp_hover  # noqa: F401


def main() -> int:
    """Serve over stdio until the client says exit.

    The protocol gets its own copies of the standard descriptors (pygls closes them when it stops, and the
    command line still flushes its streams afterwards), and while it serves, ``print`` and anything else that
    writes to ``sys.stdout`` goes to standard error: stray text on standard output would corrupt the protocol.
    """
    warm_up()
    with os.fdopen(os.dup(sys.stdin.fileno()), "rb") as stdin, os.fdopen(os.dup(sys.stdout.fileno()), "wb") as out, \
            contextlib.redirect_stdout(sys.stderr):
        server.start_io(stdin, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
