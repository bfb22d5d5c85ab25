"""Completion for the language server: the words that may come next where the cursor is.

Input:  the text of a document (as typed: usually not a valid spec) and a 0-based position (code points).
Output: :class:`Item` records (label, kind, detail, documentation) and the range of the word they replace.
Role:   context from the text before the cursor, read with a small tokenizer (the document rarely parses while
        it is being typed): the enclosing block and its statement, the call the cursor is inside, the setting
        whose value is being written. The words come from where the checker reads them, never from a list here:

* statement keywords, report items (``bounds``, ``rates``, ...), ``until``, ``every``, ``teacher``, the sweep
  modes: the Lark grammar (:func:`mlc.dsl.grammar.leading_keywords`, :func:`~mlc.dsl.grammar.terminal_words`);
* setting names by section, model settings by family, optimizer settings by optimizer, enum values, losses,
  penalties, optimizers, activations, spaces, distributions: the settings schema and the checker's tables
  (:mod:`mlc.compiler.check.tables`);
* metrics: the metric registry; families: the family registry; target functions: :mod:`mlc.compiler.functions`;
* sweepable names: :func:`mlc.compiler.sweep.sweep_candidates` (the ``let`` names of the document included).
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field

from mlc.compiler import families, metrics
from mlc.compiler.check import tables
from mlc.compiler.check.claims import ORDER_DIRECTIONS
from mlc.compiler.check.reference import default_text, type_text
from mlc.compiler.check.schema import KeySpec
from mlc.compiler.formula import STRUCTURAL_FUNCTIONS
from mlc.compiler.functions import FUNCTIONS
from mlc.compiler.sweep import sweep_candidates
from mlc.dsl.grammar import STATEMENT_KEYWORDS, claim_expansions, leading_keywords, terminal_matches, terminal_words
from mlc.runtime.lsp_analysis import TextRange


@dataclass(frozen=True)
class Item:
    """One completion: ``kind`` is the protocol's CompletionItemKind name (``Keyword``, ``Property``, ...)."""

    label: str
    kind: str
    detail: str = ""
    documentation: str = ""


_TOKEN = re.compile(r"#[^\n]*|[A-Za-z_][A-Za-z0-9_]*|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|\.\.|\*\*|<=|>=|\S")
_WORD_BEFORE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")


def _tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text) if not t.startswith("#")]


@dataclass
class Context:
    """Where the cursor is: the statement (its tokens so far), the open blocks and calls, the current item."""

    statement: list[str]  # tokens of the current top-level statement up to its first `{`
    block: str | None  # the statement keyword of the innermost open block
    calls: list[str]  # the functions of the open calls, outermost first
    item: list[str]  # tokens of the current block item (or of the statement, at top level)
    lets: list[str]
    models: list[str]
    line: list[str] = field(default_factory=list)  # tokens of the current line (a claim is written on one)


def context_at(prefix: str) -> Context:
    """Read the context from the text before the cursor (the word being typed excluded)."""
    tokens = _tokens(prefix)
    all_tokens = tokens
    statement: list[str] = []
    item: list[str] = []
    blocks: list[str] = []  # statement keyword per open `{`
    calls: list[tuple[int, str]] = []  # (block depth, function) per open `(`
    parens = 0
    for i, tok in enumerate(tokens):
        if not blocks and parens == 0 and tok in STATEMENT_KEYWORDS and (not statement or statement[-1] not in ("=", "~")):
            statement, item = [tok], []
            continue
        if tok == "{":
            blocks.append(statement[0] if statement else "")
            item = []
        elif tok == "}":
            if blocks:
                blocks.pop()
            item = []
            if not blocks:
                statement = []
        elif tok == "(":
            parens += 1
            calls.append((len(blocks), tokens[i - 1] if i and _WORD_BEFORE.match(tokens[i - 1]) else ""))
            item.append(tok)
        elif tok == ")":
            parens = max(0, parens - 1)
            if calls:
                calls.pop()
            item.append(tok)
        elif tok in (",", ";") and blocks and parens == 0 and not (item and _takes_a_list(item)):
            item = []
        elif blocks and parens == 0 and (tok in _item_keywords() or (item and _item_ends(item, tok))):
            item = [tok]  # a new item starts after a complete `key = value`
        else:
            item.append(tok)
        if not blocks and tok not in ("{", "}"):
            statement.append(tok)
    if blocks and parens == 0 and item and prefix[-1:].isspace() and _complete(item):
        item = []  # the cursor is after a finished item: a new one begins
    lets = [all_tokens[i + 1] for i, t in enumerate(all_tokens[:-1]) if t == "let"]
    models = [_model_name(all_tokens, i) for i, t in enumerate(all_tokens) if t == "model"]
    line = _tokens(re.split(r"[\n;{,]", prefix)[-1])
    return Context(statement, blocks[-1] if blocks else None, [f for _, f in calls], item if blocks else statement,
                   lets, [m for m in models if m], line)


def _item_keywords() -> tuple[str, ...]:
    """The keywords that begin a block item or a report item (``until``, ``bounds``, ``rates``, ...)."""
    return leading_keywords("item") + leading_keywords("report_item")


def _takes_a_list(item: list[str]) -> bool:
    """Whether a `,` continues the item (`every N: a, b`, `rates over a, b`, `mark a = 1, b = 2`)."""
    return "every" in item or item[0] in terminal_words("RATES") + terminal_words("MARK")


def _item_ends(item: list[str], tok: str) -> bool:
    """Whether ``tok`` begins a new item: the item so far is `key = value` and ``tok`` is a name followed by
    nothing that continues an expression."""
    if len(item) < 3 or item[1] != "=" or not _WORD_BEFORE.match(tok):
        return False
    return item[-1] not in _CONTINUES


def _complete(item: list[str]) -> bool:
    """Whether a block item is finished (`key = value`, `bounds`, `plot a vs b`, `rates over a`, `until m < v`)."""
    head, last = item[0], item[-1]
    if _item_ends(item, "x"):
        return True
    if head in terminal_words("BOUNDS"):
        return len(item) == 1
    if head in terminal_words("PLOT"):
        return len(item) == 4
    if head in terminal_words("RATES") + terminal_words("MARK") + terminal_words("UNTIL"):
        return len(item) >= 3 and last not in _CONTINUES and last not in terminal_words("OVER")
    return False


_CONTINUES = ("=", "+", "-", "*", "/", "^", "**", "(", "[", ",", ":", "..", "<", "<=", ">", ">=", "every")
"""Tokens after which an expression or a list goes on."""


def _model_name(tokens: list[str], i: int) -> str:
    rest = tokens[i + 1:i + 4]
    if len(rest) >= 2 and rest[1] == "=":
        return rest[0]
    return rest[0] if rest and _WORD_BEFORE.match(rest[0]) else ""


def _setting_item(key: str, spec: KeySpec, where: str) -> Item:
    doc = f"{spec.doc}\n\ndefault: {default_text(key, spec)}" if spec.doc else f"default: {default_text(key, spec)}"
    return Item(key, "Property", f"{where}: {type_text(spec).replace(chr(92), '')}", doc)


def _settings(keys: dict[str, KeySpec], where: str, only: tuple[str, ...] | None = None) -> list[Item]:
    return [_setting_item(k, s, where) for k, s in keys.items() if only is None or k in only]


def _words(words: tuple[str, ...] | list[str], kind: str, detail: str = "") -> list[Item]:
    return [Item(w, kind, detail) for w in words]


def _metrics(names: tuple[str, ...]) -> list[Item]:
    return [Item(n, "Constant", f"metric ({metrics.METRICS[n].kind})", metrics.METRICS[n].doc) for n in names]


def _value_items(section: str | None, key: str, family: str | None, ctx: Context) -> list[Item]:
    """Completions for the value of setting ``key`` in a block of ``section``."""
    lets = _words(ctx.lets, "Variable", "let")
    if section == "train":
        if key == "optimizer":
            return _words(tables.OPTIMIZERS, "Function", "optimizer")
        if key == "penalty":
            return _words(tables.PENALTIES, "Function", "penalty")
        if key == "loss":
            return _words(tables.LOSSES, "EnumMember", "loss")
        if key == "record":
            return _words(leading_keywords("value"), "Keyword")
    keys = {"data": tables.DATA_KEYS, "model": tables.MODEL_KEYS, "train": tables.TRAIN_KEYS,
            "report": tables.REPORT_KEYS}.get(section or "", {})
    spec = keys.get(key)
    if spec is not None and spec.kind == "enum":
        return _words(spec.choices, "EnumMember", key)
    if spec is not None and spec.kind == "bool":
        return _words(("true", "false"), "EnumMember", key)
    return lets


def complete(text: str, line: int, char: int) -> tuple[list[Item], TextRange]:
    """The completions at 0-based (line, char) of ``text``, and the range of the word they replace."""
    lines = text.split("\n")
    line = min(line, len(lines) - 1)
    before_line = lines[line][:char]
    word = _WORD_BEFORE.search(before_line)
    start = char - (len(word.group(0)) if word else 0)
    replaced = TextRange(line, start, line, char)
    prefix = "\n".join(lines[:line] + [before_line[:start]])
    if re.search(r"#[^\n]*$", prefix):  # inside a comment
        return [], replaced
    ctx = context_at(prefix)
    return _items(ctx), replaced


def _family(statement: list[str]) -> str | None:
    """The family of a model statement: `model NAME = FAMILY ...` or `model FAMILY {`."""
    names = [t for t in statement[1:] if _WORD_BEFORE.match(t)]
    if "=" in statement:
        after = statement[statement.index("=") + 1:]
        return after[0] if after and after[0] in families.names() else None
    return names[0] if names and names[0] in families.names() else None


def _items(ctx: Context) -> list[Item]:
    item = ctx.item
    calls = ctx.calls
    section = ctx.block
    family = _family(ctx.statement) if ctx.statement and ctx.statement[0] == "model" else None
    if section is None:
        return _in_call(calls[-1], item, family, ctx) if calls else _top_level(ctx)
    if section == "claims":
        return _claim_items(ctx)
    if calls:
        return _in_call(calls[-1], item, family, ctx)
    if section == "report":
        if item and item[0] == "plot" and len(item) == 1:
            return _metrics(metrics.recordable())
        if item and item[0] == "plot" and item[-1] in terminal_words("VS"):
            return _words(sorted(sweep_candidates(ctx.lets)), "Variable", "sweep axis")
        if item and item[0] in terminal_words("RATES"):
            return _words(terminal_words("OVER"), "Keyword") if len(item) == 1 else \
                _words(sorted(sweep_candidates(ctx.lets)), "Variable", "sweep axis")
    if len(item) == 1 and item[0] in leading_keywords("item"):  # until
        return _metrics(metrics.stoppable())
    if len(item) >= 2 and item[1] == "=":
        if "every" in item and (item[-1] in (":", ",")):
            return _metrics(metrics.recordable())
        return _value_items(section, item[0], family, ctx)
    if item:
        return []
    if section == "data":
        return _settings(tables.DATA_KEYS, "data setting")
    if section == "model":
        only = tables.family_keys().get(family) if family else None
        return _settings(tables.MODEL_KEYS, f"{family or 'model'} setting", only)
    if section == "train":
        return _settings(tables.TRAIN_KEYS, "train setting") + _words(leading_keywords("item"), "Keyword")
    if section == "sweep":
        return _words(sorted(sweep_candidates(ctx.lets)), "Variable", "sweepable")
    if section == "report":
        return _settings(tables.REPORT_KEYS, "report setting") + _words(leading_keywords("report_item"), "Keyword")
    return []


def _claim_items(ctx: Context) -> list[Item]:
    """In a `claims` block: the words the claim grammar allows after the claim written so far on this line.
    Each alternative of the grammar's `claim` rule is followed token by token (a keyword must match, NAME takes
    any word); where one reaches the cursor, its next symbol gives the words: a keyword itself, a metric after
    `of` or at a claim's start, a sweep axis after `over`, `to`, `at` or `with`, an order after `is`, a `let` name
    where a number goes."""
    words: dict[str, Item] = {}
    axes = _words(sorted(sweep_candidates(ctx.lets)), "Variable", "sweep axis")
    for expansion in claim_expansions():
        position = _follow(expansion, ctx.line)
        if position is None or position >= len(expansion):
            continue
        symbol, is_term = expansion[position]
        previous = ctx.line[-1] if ctx.line else ""
        if not is_term:
            found = _words(ctx.lets, "Variable", "let") if symbol == "arith" else []
        elif symbol == "NAME" and previous in terminal_words("IS"):
            found = _words(ORDER_DIRECTIONS, "EnumMember", "order")
        elif symbol == "NAME" and previous in (terminal_words("OVER") + terminal_words("TO") + terminal_words("AT")
                                               + terminal_words("WITH")):
            found = axes
        elif symbol == "NAME":
            found = _metrics(tuple(metrics.METRICS))
        else:
            found = _words(terminal_words(symbol), "Keyword", "claim")
        words.update((item.label, item) for item in found)
    return sorted(words.values(), key=lambda item: item.kind != "Keyword")  # keywords first, stable otherwise


@lru_cache(maxsize=None)
def _claim_keywords() -> frozenset[str]:
    """The keywords of the claim rule (`peak`, `of`, ...): a claim's NAME is never one of them."""
    return frozenset(word for expansion in claim_expansions() for symbol, is_term in expansion if is_term
                     for word in terminal_words(symbol))


def _follow(expansion: tuple[tuple[str, bool], ...], tokens: list[str]) -> int | None:
    """How many symbols of ``expansion`` the ``tokens`` match (None where one does not match, or where a token
    falls past a rule this reader does not follow, such as an arithmetic expression)."""
    for position, token in enumerate(tokens):
        if position >= len(expansion):
            return None
        symbol, is_term = expansion[position]
        if not is_term or not terminal_matches(symbol, token) or (symbol == "NAME" and token in _claim_keywords()):
            return None
    return len(tokens)


def _in_call(func: str, item: list[str], family: str | None, ctx: Context) -> list[Item]:
    """Inside the parentheses of ``func``: its named arguments, or the value of the one being written."""
    after_open = item[len(item) - 1 - item[::-1].index("("):] if "(" in item else item
    args = after_open[1:]
    last_comma = len(args) - 1 - args[::-1].index(",") if "," in args else -1
    current = args[last_comma + 1:]
    if current and len(current) >= 2 and current[1] == "=":
        key = current[0]
        section = "model" if func in families.names() else None
        return _value_items(section, key, family, ctx)
    if current:
        return []
    if func in families.names():
        return _settings(tables.MODEL_KEYS, f"{func} setting", tables.family_keys()[func])
    if func in tables.OPTIMIZER_KEYS:
        return _settings(tables.OPTIMIZER_KEYS[func], f"{func} setting")
    if func in tables.PENALTIES:
        return [_setting_item("lambda", tables.LAMBDA, f"{func} setting")]
    if func in tables.DISTRIBUTIONS:
        return _words(tables.DOMAINS, "Function", "domain")
    if func in tables.SPACES:
        return _words(("norm",), "Property", "declared norm bound: `norm <= Q`")
    return _expression_items(ctx)


def _expression_items(ctx: Context) -> list[Item]:
    names = [*FUNCTIONS, *STRUCTURAL_FUNCTIONS]
    return _words(names, "Function", "target function") + _words(ctx.lets, "Variable", "let")


def _top_level(ctx: Context) -> list[Item]:
    statement = ctx.statement
    keywords = _words(STATEMENT_KEYWORDS, "Keyword", "statement")
    if not statement:
        return keywords
    head = statement[0]
    last = statement[-1]
    if head == "space" and len(statement) == 1:
        return _words(tables.SPACES, "EnumMember", "function space")
    if head == "input" and last == "~":
        return _words(tables.DISTRIBUTIONS, "Function", "input distribution")
    if head == "model" and last == "=":
        return _words(families.names(), "Class", "model family")
    if head == "model" and len(statement) == 1:
        return _words(families.names(), "Class", "model family (or a name, then `=`)")
    if head == "target" and last == "=":
        return _words(leading_keywords("target_rhs"), "Keyword") + _expression_items(ctx)
    if head == "target" and last in leading_keywords("target_rhs"):
        return _words(families.names(), "Class", "teacher family")
    if head == "train" and len(statement) == 1:
        return _words(ctx.models, "Class", "model")
    if head == "sweep" and len(statement) == 1:
        return _words(terminal_words("SWEEP_MODE"), "Keyword", "sweep mode")
    if head in ("let", "target", "input", "space") and last in ("=", "~", "+", "-", "*", "/", "^", "**", "(", ","):
        return _expression_items(ctx)
    if len(statement) >= 2 and last not in ("=", "~"):
        return keywords  # a complete statement: the next one may start here
    return []
