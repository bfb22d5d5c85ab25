"""The Pygments lexer of mlc specs, registered as the plugin lexer ``mlc``.

Input:  the text of a spec (any text: a spec with errors still highlights, an unknown character is an
        ``Error`` token).
Output: Pygments tokens: keywords of the grammar (``Keyword``; the statement keywords ``Keyword.Declaration``),
        the language's built-in names (``Name.Builtin``: target functions, activations, spaces, families,
        losses, ...), setting names before ``=`` (``Name.Attribute``), other calls (``Name.Function``), the
        names a statement declares, numbers, operators, punctuation and comments.
Role:   highlighting for papers and docs (``mlc export``, minted, Sphinx, GitHub-style fences: name it
        ``mlc`` explicitly, since ``.ml`` means OCaml to Pygments). The vocabulary is derived, never written
        here: the keywords from the Lark grammar (:func:`mlc.dsl.grammar.keywords`), the built-ins from the
        tables the checker and the back ends use (:mod:`mlc.compiler.functions`, :mod:`mlc.compiler.formula`,
        :mod:`mlc.compiler.check.tables`, the family registry). It lives in ``runtime`` (presentation) because
        it reads compiler tables, which ``dsl`` may not import. It imports neither torch nor sympy.
"""

from __future__ import annotations

import re

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, Punctuation, String, Whitespace, _TokenType

from mlc.compiler import families
from mlc.compiler.check import tables
from mlc.compiler.formula import STRUCTURAL_FUNCTIONS
from mlc.compiler.functions import ACTIVATIONS, FUNCTIONS
from mlc.dsl.grammar import STATEMENT_KEYWORDS, keywords, terminal_pattern

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def builtin_names() -> tuple[str, ...]:
    """The language's built-in names: what a target may call, and the closed vocabularies of the checker."""
    names: set[str] = {*FUNCTIONS, *ACTIVATIONS, *STRUCTURAL_FUNCTIONS, *families.names(), *tables.SPACES,
                       *tables.DISTRIBUTIONS, *tables.DOMAINS, *tables.LOSSES, *tables.PENALTIES,
                       *tables.OPTIMIZERS, *tables.SCALINGS, *tables.SOLVES}
    names.discard("none")  # `penalty = none` reads as a constant, not a function
    return tuple(sorted(names - set(keywords())))


KEYWORDS: tuple[str, ...] = keywords()
STATEMENTS: tuple[str, ...] = STATEMENT_KEYWORDS
BUILTINS: tuple[str, ...] = builtin_names()


class MlcLexer(RegexLexer):
    """Pygments lexer for mlc specs (alias ``mlc``)."""

    name = "mlc"
    aliases = ["mlc"]
    filenames: list[str] = []  # `.ml` is OCaml's; a paper or a fence names the lexer (docs/papers.md)
    mimetypes = ["text/x-mlc"]
    url = "https://github.com/"  # the project's page is not public; Pygments only shows this
    flags = re.MULTILINE

    tokens = {
        "root": [
            (r"[ \t\r\f\v]+", Whitespace),
            (r"\n", Whitespace),
            (r"#[^\n]*", Comment.Single),
            # A statement keyword and the name it declares
            (rf"(problem)(\s+)({_IDENT})", bygroups(Keyword.Declaration, Whitespace, Name.Namespace)),
            (rf"(let|model)(\s+)({_IDENT})(?=\s*=)", bygroups(Keyword.Declaration, Whitespace, Name.Variable)),
            (rf"(input)(\s+)({_IDENT})", bygroups(Keyword.Declaration, Whitespace, Name.Variable)),
            (rf"(target)(\s+)({_IDENT})(\*?)", bygroups(Keyword.Declaration, Whitespace, Name.Function,
                                                        Operator)),
            (words(STATEMENTS, prefix=r"\b", suffix=r"\b"), Keyword.Declaration),
            (words(KEYWORDS, prefix=r"\b", suffix=r"\b"), Keyword),
            # `name =` inside a block or a call: a setting (`==` is no operator of the language)
            (rf"({_IDENT})(\s*)(=)", bygroups(Name.Attribute, Whitespace, Operator)),
            (words(BUILTINS, prefix=r"\b", suffix=r"\b"), Name.Builtin),
            (rf"{_IDENT}(?=\s*\()", Name.Function),
            (_IDENT, Name),
            (r"[0-9]+\.[0-9]+([eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+", Number.Float),
            (r"[0-9]+", Number.Integer),
            (terminal_pattern("STRING"), String.Double),  # a file path, `file("train.npz")`
            (r"\.\.|\*\*|<=|>=|[<>^~*/+\-=%]", Operator),  # `%`: a claim's tolerance (`within 5%`)
            (r"[{}()\[\],;:]", Punctuation),
            (r".", Error),  # not the language's (the checker reports it)
        ],
    }

    @staticmethod
    def analyse_text(text: str) -> float:
        """Guess mlc for a text that opens with a `problem` statement after comments (a weak guess)."""
        return 0.3 if re.match(r"(\s*#[^\n]*\n)*\s*problem\s+[A-Za-z_]", text) else 0.0


def token_dump(text: str) -> list[tuple[_TokenType, str]]:
    """The tokens of ``text`` with whitespace left out: what the golden token files hold."""
    return [(kind, value) for kind, value in MlcLexer().get_tokens(text) if kind not in Whitespace]
