"""Mutation operators: a seed spec -> a mutant (bytes), deterministic for a given random generator.

Input:  the text of a seed spec, the other seeds (for splices) and a :class:`random.Random`.
Output: :func:`mutant` returns the bytes of one mutant and the names of the operators applied.
Role:   the careless and hostile edits a spec can suffer: byte flips (which may break UTF-8), token deletion,
        duplication and swaps, splices of other specs, unicode characters, very long names, deep nesting,
        huge and odd numbers, and a line repeated many times. One to three operators per mutant.
"""

from __future__ import annotations

import random
import re
from typing import Callable, Sequence

_TOKEN = re.compile(r"#[^\n]*|[A-Za-z_][A-Za-z0-9_]*|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|\.\.|\*\*|<=|>=|\S")

UNICODE = ["é", "\u00a0", "\u200b", "\u202e", "\u2028", "\ufeff", "😀", "Ω", "\r", "\t", "\x0b", "\x0c",
           "\x00", "ｘ", "²", "−", "\ud7ff", "\U0010ffff"]
NUMBERS = ["1e999", "1e309", "1e308", "-1e308", "99999999999999999999999", "1e-400", "0", "0.0", "1e9",
           "1000000000", "4294967297", "-1", "0.5", "1e-9", "2.5E+4", "007", "1e+1000", "0." + "0" * 400 + "1"]
TOKENS = ["problem", "let", "input", "target", "space", "data", "model", "train", "sweep", "report", "teacher",
          "until", "every", "bounds", "rates", "over", "plot", "vs", "mark", "in", "zip", "product", "sum", "x",
          "d", "inf", "pi", "norm", "dot", "relu", "=", "~", "*", "+", "-", "/", "^", "**", "<", "<=", "..",
          ":", ",", ";", "(", ")", "[", "]", "{", "}", "#", "0", "1", "x[1]", "seed", "width", "steps"]


def tokens(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each token of ``text`` (comments count as one token)."""
    return [m.span() for m in _TOKEN.finditer(text)]


def _pick(text: str, rng: random.Random, kind: str | None = None) -> tuple[int, int] | None:
    spans = tokens(text)
    if kind == "name":
        spans = [s for s in spans if re.fullmatch(r"[A-Za-z_]\w*", text[s[0]:s[1]])]
    elif kind == "number":
        spans = [s for s in spans if text[s[0]].isdigit()]
    return rng.choice(spans) if spans else None


def byte_flip(text: str, rng: random.Random, others: Sequence[str]) -> bytes:
    data = bytearray(text.encode("utf-8"))
    for _ in range(rng.choice([1, 1, 2, 4, 16])):
        if data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def delete_token(text: str, rng: random.Random, others: Sequence[str]) -> str:
    span = _pick(text, rng)
    return text if span is None else text[:span[0]] + text[span[1]:]


def duplicate_token(text: str, rng: random.Random, others: Sequence[str]) -> str:
    span = _pick(text, rng)
    if span is None:
        return text
    times = rng.choice([1, 1, 2, 10, 1000])
    piece = text[span[0]:span[1]] + rng.choice([" ", "", "\n"])
    return text[:span[1]] + piece * times + text[span[1]:]


def replace_token(text: str, rng: random.Random, others: Sequence[str]) -> str:
    span = _pick(text, rng)
    return text if span is None else text[:span[0]] + rng.choice(TOKENS) + text[span[1]:]


def swap_tokens(text: str, rng: random.Random, others: Sequence[str]) -> str:
    spans = tokens(text)
    if len(spans) < 2:
        return text
    a, b = sorted(rng.sample(spans, 2))
    return text[:a[0]] + text[b[0]:b[1]] + text[a[1]:b[0]] + text[a[0]:a[1]] + text[b[1]:]


def splice(text: str, rng: random.Random, others: Sequence[str]) -> str:
    """A random piece of another seed (or this one) inserted at, or replacing, a random place."""
    donor = rng.choice(list(others) or [text])
    if not donor:
        return text
    i, j = sorted(rng.randrange(len(donor) + 1) for _ in range(2))
    k, m = sorted(rng.randrange(len(text) + 1) for _ in range(2))
    if rng.random() < 0.5:
        m = k
    return text[:k] + donor[i:j] + text[m:]


def unicode(text: str, rng: random.Random, others: Sequence[str]) -> str:
    k = rng.randrange(len(text) + 1)
    return text[:k] + rng.choice(UNICODE) + text[k:]


def long_name(text: str, rng: random.Random, others: Sequence[str]) -> str:
    span = _pick(text, rng, "name")
    if span is None:
        return text
    name = text[span[0]:span[1]]
    return text[:span[0]] + name + rng.choice("a_Z9") * rng.choice([100, 1000, 100_000]) + text[span[1]:]


def deep_nesting(text: str, rng: random.Random, others: Sequence[str]) -> str:
    """An expression wrapped in many brackets, or a long chain of operators, or a deep unary prefix."""
    span = _pick(text, rng, rng.choice(["name", "number"]))
    if span is None:
        return text
    atom = text[span[0]:span[1]]
    depth = rng.choice([10, 63, 64, 65, 199, 200, 201, 300, 3000])
    shape = rng.choice(["paren", "bracket", "chain", "unary", "call", "power"])
    if shape == "paren":
        new = "(" * depth + atom + ")" * depth
    elif shape == "bracket":
        new = "[" * depth + atom + "]" * depth
    elif shape == "chain":
        new = rng.choice([" + ", " * ", " - ", " / "]).join([atom] * depth)
    elif shape == "unary":
        new = "-" * depth + atom
    elif shape == "call":
        new = "relu(" * depth + atom + ")" * depth
    else:
        new = "^".join([atom] * depth)
    return text[:span[0]] + new + text[span[1]:]


def huge_number(text: str, rng: random.Random, others: Sequence[str]) -> str:
    span = _pick(text, rng, "number")
    if span is None:
        return text
    return text[:span[0]] + rng.choice(NUMBERS) + text[span[1]:]


def repeat_line(text: str, rng: random.Random, others: Sequence[str]) -> str:
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    lines[i:i + 1] = [lines[i]] * rng.choice([2, 10, 1000, 20_000])
    return "\n".join(lines)


OPERATORS: dict[str, Callable[[str, random.Random, Sequence[str]], "str | bytes"]] = {
    f.__name__: f for f in (byte_flip, delete_token, duplicate_token, replace_token, swap_tokens, splice,
                            unicode, long_name, deep_nesting, huge_number, repeat_line)
}
"""Every mutation operator by name."""

MAX_BYTES = 1_200_000
"""Mutants grow; past the 1 MB spec limit (E004) only the size check is exercised, so they are cut here."""


def mutant(text: str, rng: random.Random, others: Sequence[str]) -> tuple[bytes, list[str]]:
    """One mutant of ``text``: one to three operators, applied in turn; a byte flip ends the chain (its
    result may not be text)."""
    applied: list[str] = []
    current: str | bytes = text
    for _ in range(rng.choice([1, 1, 2, 3])):
        name = rng.choice(list(OPERATORS))
        applied.append(name)
        assert isinstance(current, str)
        current = OPERATORS[name](current, rng, others)
        if isinstance(current, bytes):
            break
        if len(current) > MAX_BYTES:
            current = current[:MAX_BYTES]
    data = current if isinstance(current, bytes) else current.encode("utf-8", errors="surrogatepass")
    return data, applied
