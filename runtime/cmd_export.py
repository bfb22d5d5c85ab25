"""``mlc export SPEC --to tex|md|html|sty [--math] [--standalone] [-o FILE]``: a spec for a paper, no training.

Input:  a spec path (``--math`` compiles it; without it the text is only highlighted, errors and all).
Output: ``tex``: the spec pre-highlighted by Pygments' LaTeX formatter (a fancyvrb ``Verbatim`` with
        ``\\PY`` colour commands), which needs our ``mlc.sty`` and compiles with plain ``pdflatex``: no shell
        escape, no minted; ``-o FILE`` writes ``mlc.sty`` beside it. ``sty``: that style file. ``md``: a fenced
        ```` ```mlc ```` block. ``html``: a highlighted ``<div class="mlc">`` snippet (``--standalone``: a page
        with its CSS). ``--math`` adds the problem statement as mathematics (:mod:`mlc.runtime.export_math`).
        Exit 0, 1 if ``--math`` finds errors in the spec, 2 on usage errors (no such file, bad option).
Role:   the front door of papers (docs/papers.md). A front-end command: it never imports torch.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

from pygments import highlight
from pygments.formatters import HtmlFormatter, LatexFormatter

from mlc.runtime.lexer import MlcLexer

STY_NAME = "mlc.sty"
STYLE = "default"  # Pygments' default colours: readable in print and on screen
COMMAND_PREFIX = "PYmlc"  # our own macro names, so that a paper that also loads minted keeps both

# Characters of specs, theorem titles and hypotheses that LaTeX's utf8 input does not know: mlc.sty declares
# them (\DeclareUnicodeCharacter); any other character past Latin-1 is written as \mlcunicode{HEX} (a visible
# code point, where pdflatex would stop with "not set up for use with LaTeX").
UNICODE_TEX: dict[str, str] = {
    "‖": r"\ensuremath{\|}", "−": r"\ensuremath{-}", "≤": r"\ensuremath{\le}", "≥": r"\ensuremath{\ge}",
    "∞": r"\ensuremath{\infty}", "√": r"\ensuremath{\surd}", "∝": r"\ensuremath{\propto}",
    "∈": r"\ensuremath{\in}", "→": r"\ensuremath{\to}", "≈": r"\ensuremath{\approx}", "≠": r"\ensuremath{\neq}",
    "∑": r"\ensuremath{\sum}", "∫": r"\ensuremath{\int}", "∇": r"\ensuremath{\nabla}", "∂": r"\ensuremath{\partial}",
    "λ": r"\ensuremath{\lambda}", "δ": r"\ensuremath{\delta}", "ε": r"\ensuremath{\varepsilon}",
    "σ": r"\ensuremath{\sigma}", "τ": r"\ensuremath{\tau}", "γ": r"\ensuremath{\gamma}", "μ": r"\ensuremath{\mu}",
    "θ": r"\ensuremath{\theta}", "α": r"\ensuremath{\alpha}", "β": r"\ensuremath{\beta}", "η": r"\ensuremath{\eta}",
    "π": r"\ensuremath{\pi}", "ρ": r"\ensuremath{\rho}", "ω": r"\ensuremath{\omega}", "Δ": r"\ensuremath{\Delta}",
    "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "✓": r"\ensuremath{\surd}", "✗": r"\ensuremath{\times}", "…": r"\ldots{}", "₁": r"\ensuremath{_1}",
    "₂": r"\ensuremath{_2}", "ᵀ": r"\ensuremath{^{T}}", "⁻": r"\ensuremath{^{-}}", "ⁿ": r"\ensuremath{^{n}}",
}


def tex_safe(text: str) -> str:
    r"""``text`` with every character past Latin-1 that mlc.sty does not declare replaced: by its compatibility
    form where that is Latin-1 (a subscript 0 becomes 0, a combining accent is dropped), else ``\mlcunicode{HEX}``."""
    return "".join(ch if ord(ch) < 0x100 or ch in UNICODE_TEX else _fallback(ch) for ch in text)


def _fallback(ch: str) -> str:
    if unicodedata.combining(ch):
        return ""
    plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if plain and all(ord(c) < 0x100 for c in plain):
        return plain
    return f"\\mlcunicode{{{ord(ch):04X}}}"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", nargs="?", help="spec file (.ml); not needed with --to sty")
    parser.add_argument("--to", choices=("tex", "md", "html", "sty"), default="tex",
                        help="tex: pre-highlighted LaTeX (needs mlc.sty); md: a fenced ```mlc block; "
                             "html: a highlighted snippet; sty: the LaTeX style file (default: tex)")
    parser.add_argument("--math", action="store_true",
                        help="add the problem statement as mathematics: target, space and norm, model, loss, "
                             "and the bounds that apply (compiles the spec; no training)")
    parser.add_argument("--standalone", action="store_true",
                        help="a whole document (tex: an article that \\usepackage{mlc}; html: a page with its CSS)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write here instead of stdout (tex: also writes mlc.sty beside it)")


def sty_text() -> str:
    """Our LaTeX style: fancyvrb and xcolor, and the colour macros of Pygments' LaTeX formatter."""
    defs = LatexFormatter(style=STYLE, commandprefix=COMMAND_PREFIX).get_style_defs()
    return ("% mlc.sty: the highlighting of mlc specs written by `mlc export --to tex` (Pygments' LaTeX formatter).\n"
            "% Plain pdflatex, no shell escape, no minted.\n"
            "\\NeedsTeXFormat{LaTeX2e}\n\\ProvidesPackage{mlc}[2026/12/01 mlc spec highlighting]\n"
            "\\RequirePackage{fancyvrb}\n\\RequirePackage{xcolor}\n\\RequirePackage{amsmath}\n"
            "\\RequirePackage{booktabs}\n\\RequirePackage{graphicx}\n"  # what `mlc weave` writes: tables, figures

            "\\makeatletter\n" + defs + "\\makeatother\n"
            + "".join(f"\\DeclareUnicodeCharacter{{{ord(ch):04X}}}{{{tex}}}\n" for ch, tex in UNICODE_TEX.items())
            + "\\newcommand{\\mlcunicode}[1]{\\textsf{[U+#1]}}\n"
            "% \\mlcinput{file.tex}: an exported, highlighted spec, framed like a listing\n"
            "\\newcommand{\\mlcinput}[1]{\\par\\smallskip\\input{#1}\\smallskip\\par}\n")


def highlight_tex(text: str) -> str:
    """A spec as pre-highlighted LaTeX (fancyvrb ``Verbatim`` with ``\\PYmlc`` commands)."""
    return tex_safe(highlight(text, MlcLexer(), LatexFormatter(style=STYLE, commandprefix=COMMAND_PREFIX,
                                                               verboptions="fontsize=\\small,frame=lines")))


def highlight_html(text: str) -> str:
    """A spec as a highlighted HTML snippet (``<div class="mlc">``; the CSS is :func:`html_css`)."""
    return str(highlight(text, MlcLexer(), HtmlFormatter(style=STYLE, cssclass="mlc")))


def html_css() -> str:
    return str(HtmlFormatter(style=STYLE, cssclass="mlc").get_style_defs(".mlc"))


def fenced_md(text: str) -> str:
    """A spec as a fenced Markdown block that names the lexer (```` ```mlc ````; ``.ml`` would mean OCaml)."""
    fence = "```"
    while fence in text:  # a spec holding ``` gets a longer fence
        fence += "`"
    return f"{fence}mlc\n{text.rstrip()}\n{fence}\n"


def run(args: argparse.Namespace) -> int:
    if args.to == "sty":
        return _write(args, sty_text(), extra_sty=False)
    if args.spec is None:
        print(f"mlc export: error: --to {args.to} needs a SPEC file", file=sys.stderr)
        return 2
    path = Path(args.spec)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"mlc export: error: cannot read {args.spec}: {exc.strerror if isinstance(exc, OSError) else exc}",
              file=sys.stderr)
        return 2
    math_part = ""
    if args.math:
        rendered = math_statement(args.spec, to=args.to)
        if isinstance(rendered, int):
            return rendered
        math_part = rendered
    if args.to == "tex":
        body = highlight_tex(text) + ("\n" + math_part if math_part else "")
        if args.standalone:
            body = ("\\documentclass{article}\n\\usepackage{mlc}\n\\begin{document}\n" + body + "\\end{document}\n")
        return _write(args, body, extra_sty=True)
    if args.to == "md":
        return _write(args, fenced_md(text) + ("\n" + math_part if math_part else ""), extra_sty=False)
    body = highlight_html(text) + math_part
    if args.standalone:
        body = (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{path.stem}</title>\n"
                f"<style>\n{html_css()}\n</style></head><body>\n{body}</body></html>\n")
    return _write(args, body, extra_sty=False)


def math_statement(spec: str, to: str) -> str | int:
    """The spec's problem statement in the target format, or the exit status when the spec has errors."""
    from mlc.compiler.pipeline import compile_path
    from mlc.runtime.cmd_bounds import build_report
    from mlc.runtime.export_math import statement, to_html, to_markdown, to_tex

    outcome = compile_path(spec)
    if not outcome.ok or outcome.plan is None:
        if outcome.rendered:
            print(outcome.rendered, file=sys.stderr)
        return outcome.exit_code or 1
    plan = outcome.plan
    # Norm estimation would fit the target (torch); an export states what the rules and the spec establish.
    report = build_report(plan, delta=plan.report.delta, explain=False, estimate=False)
    s = statement(plan, report)
    if to == "tex":
        return tex_safe(to_tex(s))
    if to == "md":
        return to_markdown(s)
    return to_html(s)


def _write(args: argparse.Namespace, text: str, *, extra_sty: bool) -> int:
    if args.output is None:
        sys.stdout.write(text)
        return 0
    out = Path(args.output)
    try:
        out.write_text(text, encoding="utf-8")
        if extra_sty:
            (out.parent / STY_NAME).write_text(sty_text(), encoding="utf-8")
    except OSError as exc:
        print(f"mlc export: error: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    return 0
