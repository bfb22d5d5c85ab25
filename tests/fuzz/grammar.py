"""Specs derived from the grammar: the Lark grammar (``dsl/grammar.lark``) -> a hypothesis strategy.

Input:  the rules and terminals of the parser that mlc uses (:func:`mlc.dsl.grammar.lark_parser`).
Output: :func:`specs`: a strategy of spec texts that the grammar derives (syntactically valid by
        construction, apart from what the lexer's contextual keywords and the limits refuse).
Role:   reach the checker with every statement and expression form, in combinations that no seed has. Names
        and numbers are drawn from the words the checker knows (families, settings, distributions,
        functions) and a few odd ones, so that many specs get past name resolution.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from hypothesis import strategies as st

from mlc.dsl.grammar import lark_parser

WORDS = ["x", "d", "f", "w", "i", "j", "n", "n_test", "width", "depth", "seed", "steps", "lr", "loss", "mse",
         "penalty", "path_norm", "lambda", "optimizer", "gd", "adam", "sgd", "record", "train_error",
         "test_error", "two_layer", "deep", "resnet", "random_features", "activation", "relu", "tanh", "sigmoid",
         "scaling", "mean_field", "standard", "ntk", "uniform", "normal", "cube", "sphere", "ball", "barron",
         "rkhs", "sobolev", "norm", "dot", "sum", "exp", "log", "sin", "cos", "abs", "sqrt", "min", "max", "pi",
         "inf", "net", "batch", "logspace", "linspace", "geomspace", "noise", "bounds", "quick", "problem"]
NUMBERS = ["0", "1", "2", "3", "5", "8", "10", "0.5", "0.01", "1e-3", "2.5E+4", "1000", "1e9", "1e308", "64"]


@lru_cache(maxsize=1)
def _grammar() -> tuple[dict[str, list[list[tuple[str, bool]]]], dict[str, Any], dict[str, int]]:
    """The rules (nonterminal -> expansions of (symbol, is_terminal)), the terminals, and each nonterminal's
    least derivation depth (to end a derivation when it gets deep)."""
    parser = lark_parser()
    rules: dict[str, list[list[tuple[str, bool]]]] = {}
    for rule in parser.rules:
        rules.setdefault(rule.origin.name, []).append([(s.name, s.is_term) for s in rule.expansion])
    terminals = {t.name: t for t in parser.terminals}
    depth: dict[str, int] = {}
    changed = True
    while changed:  # least fixed point: depth(A) = 1 + min over expansions of the max depth of its parts
        changed = False
        for name, expansions in rules.items():
            options = [1 + max([0] + [depth[s] for s, term in e if not term]) for e in expansions
                       if all(term or s in depth for s, term in e)]
            if options and min(options) < depth.get(name, 10 ** 9):
                depth[name] = min(options)
                changed = True
    return rules, terminals, depth


def _terminal(draw: Any, name: str, terminals: dict[str, Any]) -> str:
    if name == "NAME":
        return str(draw(st.sampled_from(WORDS) | st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)))
    if name == "NUMBER":
        return str(draw(st.sampled_from(NUMBERS) | st.integers(0, 10 ** 6).map(str)))
    pattern = terminals[name].pattern
    if pattern.type == "str":
        return str(pattern.value)
    return str(draw(st.from_regex(pattern.to_regexp(), fullmatch=True)))


@st.composite
def specs(draw: Any, max_depth: int = 7, max_statements: int = 8) -> str:
    """A spec text derived from the grammar: ``start`` expanded at random, the shortest expansion taken once
    ``max_depth`` is reached; tokens joined by single spaces, a newline before each statement."""
    rules, terminals, least = _grammar()
    out: list[str] = []

    def expand(symbol: str, level: int) -> None:
        expansions = rules[symbol]
        if level >= max_depth:
            expansions = [e for e in expansions if all(t or least.get(s, 10 ** 9) <= least[symbol] for s, t in e)]
            expansions = [min(expansions or rules[symbol],
                              key=lambda e: max([0] + [least.get(s, 10 ** 9) for s, t in e if not t]))]
        chosen = draw(st.sampled_from(expansions))
        for name, is_terminal in chosen:
            if is_terminal:
                out.append(_terminal(draw, name, terminals))
            else:
                expand(name, level + 1)

    count = draw(st.integers(1, max_statements))
    for _ in range(count):
        out.append("\n")
        expand("statement", 1)
    return " ".join(out).replace(" \n ", "\n").strip() + "\n"


SKELETON = "input x ~ uniform(cube(3))\ntarget f*(x) = relu(x[1])\nmodel net = two_layer(width = 4)\n"
"""The statements a spec needs, so that derived statements added to it reach the later checker passes."""


def specs_with_skeleton() -> st.SearchStrategy[str]:
    """Derived specs, half of them after :data:`SKELETON` (the others mostly stop at a missing statement)."""
    return st.one_of(specs(), specs(max_statements=4).map(lambda text: SKELETON + text))
