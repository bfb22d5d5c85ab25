"""Property tests (hypothesis): formatting is safe on random valid specs.

Input:  random specs composed from the grammar's constructs (every statement kind, expressions with all
        operators, parentheses, ``**``/``^``, calls, vectors, indices, sums, ranges, spaces, ``every``),
        rendered with random whitespace, random separators and random comments.
Output: pass/fail.
Role:   for every generated spec s: parse(fmt(s)) succeeds, fmt(s) has the significant tokens of s (the
        formatter's safety net, checked here independently of it), fmt(fmt(s)) == fmt(s), and the plan of
        fmt(s) has the spec hash and run hashes of s; two renderings of the same tokens (different spacing
        and comments) have the same hashes. Specs that parse but do not check (stray arguments in the wrong
        place, as in bug 4) are formatted just as faithfully.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlc.compiler.pipeline import compile_text
from mlc.dsl.formatter import format_text
from mlc.dsl.parser import parse
from mlc.dsl.tokens import significant_tokens

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Tokens = list[str]
NEWLINE = "\n"  # a token that forces a line break (statement ends)

# precedence levels: 0 additive, 1 multiplicative, 2 unary, 3 power, 4 atom
ATOM = 4


def _paren(tokens: Tokens) -> Tokens:
    return ["(", *tokens, ")"]


@st.composite
def constant_expr(draw, depth: int = 0, names: tuple[str, ...] = ("d",)) -> tuple[Tokens, int]:
    """A constant expression that is positive, finite and modest (safe for any numeric setting >= 1
    after rounding is not needed: callers wrap it where they need an integer)."""
    choice = draw(st.integers(0, 5 if depth < 3 else 1))
    if choice == 0:
        return [draw(st.sampled_from(["1", "2", "3", "0.5", "2.0", "1e0", "5E-1"]))], ATOM
    if choice == 1:
        return [draw(st.sampled_from(names))], ATOM
    left, lp = draw(constant_expr(depth + 1, names))
    right, rp = draw(constant_expr(depth + 1, names))
    if choice == 2:
        return [*left, "+", *(right if rp >= 1 else _paren(right))], 0
    if choice == 3:
        return [*(left if lp >= 1 else _paren(left)), "*", *(right if rp >= 2 else _paren(right))], 1
    if choice == 4:
        return ["sqrt", "(", *left, ")"], ATOM
    return _paren(left), ATOM


@st.composite
def formula(draw, depth: int = 0) -> tuple[Tokens, int]:
    """A target formula in x (d >= 2), finite everywhere on the inputs used."""
    kinds = 9 if depth < 3 else 3
    choice = draw(st.integers(0, kinds - 1))
    if choice == 0:
        return ["x", "[", draw(st.sampled_from(["1", "2"])), "]"], ATOM
    if choice == 1:
        return [draw(st.sampled_from(["1", "0.25", "3", "d", "r"]))], ATOM
    if choice == 2:
        return [draw(st.sampled_from(["relu", "tanh", "sin", "cos", "abs", "sigmoid"])), "(", "x", "[", "1", "]", ")"], ATOM
    left, lp = draw(formula(depth + 1))
    right, rp = draw(formula(depth + 1))
    if choice == 3:
        op = draw(st.sampled_from(["+", "-"]))
        return [*left, op, *(right if rp >= 1 else _paren(right))], 0
    if choice == 4:
        return [*(left if lp >= 1 else _paren(left)), "*", *(right if rp >= 2 else _paren(right))], 1
    if choice == 5:  # division by a positive denominator
        return [*(left if lp >= 1 else _paren(left)), "/", "(", "2", "+", "abs", "(", *right, ")", ")"], 1
    if choice == 6:
        op = draw(st.sampled_from(["^", "**"]))
        exponent = draw(st.sampled_from([["2"], ["3"], ["-", "1"]]))
        base = left if lp >= ATOM else _paren(left)
        if exponent == ["-", "1"]:
            base = ["(", "1", "+", "abs", "(", *left, ")", ")"]
        return [*base, op, *exponent], 3
    if choice == 7:
        return ["-", *(left if lp >= 2 else _paren(left))], 2
    special = draw(st.integers(0, 3))
    if special == 0:
        return ["norm", "(", "x", ")"], ATOM
    if special == 1:
        return ["max", "(", *left, ",", *right, ",", "0", ")"], ATOM
    if special == 2:
        return ["sum", "(", "i", "in", "1", "..", "d", ",", "x", "[", "i", "]", "^", "2", ")"], ATOM
    return ["norm", "(", "x", ",", "1", ")"], ATOM


@st.composite
def specs(draw) -> list[Tokens]:
    """A valid spec as a list of statements, each a token list."""
    stmts: list[Tokens] = [["problem", draw(st.sampled_from(["p", "exp_1", "q"]))]]
    d = draw(st.integers(2, 5))
    stmts.append(["let", "d", "=", str(d)])
    r_tokens, _ = draw(constant_expr(names=("d",)))
    stmts.append(["let", "r", "=", *r_tokens])
    stmts.append(["let", "k", "=", "4"])
    if draw(st.booleans()):
        stmts.append(["let", "w", "=", "[", "1", ",", "-", "2", ",", "3.5", "]"])
    stmts.append(draw(st.sampled_from([
        ["input", "x", "~", "uniform", "(", "cube", "(", "d", ")", ")"],
        ["input", "x", "~", "uniform", "(", "sphere", "(", "d", ")", ")"],
        ["input", "x", "~", "uniform", "(", "ball", "(", "d", ")", ")"],
        ["input", "x", "~", "gaussian", "(", "d", ",", "std", "=", "1", "/", "sqrt", "(", "d", ")", ")"],
    ])))
    if draw(st.booleans()):
        body, _ = draw(formula())
        stmts.append(["target", "f", "*", "(", "x", ")", "=", *body])
    else:
        stmts.append(["target", "f", "*", "=", "teacher", "two_layer", "(", "width", "=", "3", ",", "seed", "=",
                      str(draw(st.integers(0, 9))), ")"])
    stmts.append(draw(st.sampled_from([
        ["space", "barron"], ["space", "rkhs", "(", "norm", "<=", "3", ")"], ["space", "multilayer", "(", "2", ")"],
        ["space", "flow", "(", "norm", "<", "2", "*", "d", ")"],
    ])))
    data: list[Tokens] = []
    if draw(st.booleans()):
        data.append(["n", "=", str(draw(st.integers(50, 500)))])
    if draw(st.booleans()):
        data.append(["n_test", "=", "100", "*", "d"])
    if draw(st.booleans()):
        data.append(["noise", "=", "0.01"])
    if data or draw(st.booleans()):
        stmts.append(["data", "{", *_items(draw, data), "}"])
    families = draw(st.lists(st.sampled_from(["two_layer", "random_features", "deep", "resnet"]),
                             min_size=1, max_size=2, unique=True))
    for i, family in enumerate(families):
        name = f"m{i}"
        # The swept `k` sets the first model's width: a sweep axis must change what is trained (E303).
        widths = [["k"]] if i == 0 else [["4"], ["2", "*", "d"], ["k"]]
        settings_: list[Tokens] = [["width", "=", *draw(st.sampled_from(widths))]]
        if family in ("deep", "resnet") and draw(st.booleans()):
            settings_.append(["depth", "=", "2"])
        if draw(st.booleans()):
            settings_.append(["activation", "=", draw(st.sampled_from(["relu", "tanh", "identity"]))])
        if draw(st.booleans()):
            settings_.append(["scaling", "=", draw(st.sampled_from(["standard", "ntk", "mean_field"]))])
        if draw(st.booleans()):
            settings_.append(["bias", "=", "false"])
        settings_ = draw(st.permutations(settings_))
        form = draw(st.integers(0, 2))
        if form == 0:
            args: Tokens = []
            for j, s in enumerate(settings_):
                args += ([","] if j else []) + s
            stmts.append(["model", name, "=", family, "(", *args, ")"])
        elif form == 1:
            stmts.append(["model", name, "=", family, "{", *_items(draw, settings_), "}"])
        else:
            stmts.append(["model", name, "=", family, "(", *next(t for t in settings_ if t[0] == "width"), ")"])
        train: list[Tokens] = []
        if draw(st.booleans()):
            train.append(["loss", "=", *draw(st.sampled_from([["mse"], ["mse", "/", "2"], ["logistic"]]))])
        if draw(st.booleans()):
            train.append(["optimizer", "=", *draw(st.sampled_from([
                ["gd", "(", "lr", "=", "0.1", ")"], ["adam", "(", "lr", "=", "1e-3", ",", "betas", "=", "[", "0.9",
                                                         ",", "0.99", "]", ")"],
                ["gd", "(", "lr", "=", "1", "/", "d", ",", "momentum", "=", "0.5", ")"], ["sgd"]]))])
        if draw(st.booleans()):
            train.append(["until", "train_error", "<", "1e-4"])
            train.append(["max_steps", "=", "100"])
        elif draw(st.booleans()):
            train.append(["steps", "=", "10", "*", "d"])
        if draw(st.booleans()):
            train.append(["record", "=", "every", "10", ":", "train_error", ",", "test_error"])
        if train:
            stmts.append(["train", name, "{", *_items(draw, draw(st.permutations(train))), "}"])
    axes: list[Tokens] = [["k", "=", *draw(st.sampled_from([["[", "3", ",", "5", "]"],
                                                           ["logspace", "(", "0.5", ",", "1", ",", "3", ")"],
                                                           ["2", "..", "3"]]))]]
    if draw(st.booleans()):
        axes.append(["seed", "=", "0", "..", str(draw(st.integers(0, 2)))])
    if draw(st.booleans()):
        axes.append(["lr", "=", "linspace", "(", "0.01", ",", "0.1", ",", "2", ")"])
    mode = draw(st.sampled_from([[], ["product"]]))
    stmts.append(["sweep", *mode, "{", *_items(draw, axes), "}"])
    if draw(st.booleans()):
        stmts.append(["sweep", "zip", "{", "r", "=", "[", "1", ",", "2", "]", "d", "=", "[", "2", ",", "3", "]", "}"])
    report: list[Tokens] = []
    if draw(st.booleans()):
        report.append(["bounds"])
    if draw(st.booleans()):
        report.append(["rates", "over", "k"])
    if draw(st.booleans()):
        report.append(["plot", "test_error", "vs", draw(st.sampled_from(["k", "step"]))])
    if draw(st.booleans()):
        # marks cannot use swept names (`d` may be swept): the report is one for the whole sweep (E303)
        report.append(["mark", "k", "=", "400", "/", "(", "3", "+", "1", ")", ",", "k", "=", "2"])
    if draw(st.booleans()):
        report.append(["delta", "=", "0.1"])
    if report:
        stmts.append(["report", "{", *_items(draw, report), "}"])
    fixed = 5 if stmts[4][0] == "let" else 4  # problem and lets first (a let uses earlier ones)
    order = draw(st.permutations(list(range(fixed, len(stmts)))))  # the rest may come in any order
    return stmts[:fixed] + [stmts[i] for i in order]


def _items(draw, items: list[Tokens]) -> Tokens:
    out: Tokens = []
    for item in items:
        out += item
        # after `every 10: a, b`, `rates over a, b` or `mark a = 1, b = 2` a `,` would continue the list
        ends_in_list = item[0] in ("rates", "mark") or "every" in item
        sep = draw(st.sampled_from(["", "", ";"] if ends_in_list else ["", "", ",", ";"]))
        if sep:
            out.append(sep)
    return out


WORDY = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")
COMMENT_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)


@st.composite
def render(draw, stmts: list[Tokens]) -> str:
    """Tokens -> text with random whitespace and comments."""
    parts: list[str] = []
    for stmt in stmts:
        if draw(st.integers(0, 4)) == 0:
            parts.append(draw(st.sampled_from(["", "  ", "\t"])) + "#" + draw(COMMENT_TEXT) + "\n")
        for i, token in enumerate(stmt):
            parts.append(token)
            if i + 1 == len(stmt):
                break
            nxt = stmt[i + 1]
            tight_ok = not (token[-1] in WORDY and nxt[0] in WORDY)
            sep = draw(st.sampled_from(["", " ", " ", "  ", "\t", "\n  ", "\r\n", "comment"]))
            if sep == "comment":
                sep = "  #" + draw(COMMENT_TEXT) + "\n"
            if sep == "" and not tight_ok:
                sep = " "
            parts.append(sep)
        ending = draw(st.sampled_from(["\n", "\n\n", "  #" + draw(COMMENT_TEXT) + "\n"]))
        parts.append(ending)
    return "".join(parts)


def _token_texts(text: str) -> list[str]:
    return [str(t) for t in significant_tokens(text)]


def _hashes(text: str):
    outcome = compile_text(text, "t.ml")
    assert outcome.ok, outcome.rendered + "\n---\n" + text
    return outcome.plan.spec_hash, [r.hash for r in outcome.plan.runs]


@SETTINGS
@given(st.data())
def test_fmt_round_trip(data) -> None:
    stmts = data.draw(specs())
    text = data.draw(render(stmts))
    formatted, diagnostics = format_text(text, "t.ml")
    assert formatted is not None, (diagnostics, text)
    spec, problems = parse(formatted, "t.ml")
    assert problems == []
    assert _token_texts(formatted) == _token_texts(text)
    assert format_text(formatted, "t.ml")[0] == formatted
    assert _hashes(formatted) == _hashes(text)


STRAY_ARGUMENTS: list[Tokens] = [["i", "in", "1", "..", "3"], ["7"], ["foo", "=", "2"], ["j", "in", "d", "..", "2", "*", "d"]]


@st.composite
def specs_with_stray_arguments(draw) -> list[Tokens]:
    """A valid spec with an argument put where it means nothing (bug 4: `two_layer(width = 4, i in 1..3)`):
    in a model call, a distribution, an optimizer or a function of the target."""
    stmts = draw(specs())
    # Not in a `let`: a let that a sweep overrides is not evaluated at all (`let r = sqrt(7, 1)` with r
    # swept checks clean), which is the checker's business, not the formatter's.
    calls = [(i, j) for i, stmt in enumerate(stmts) for j, token in enumerate(stmt)
             if token == "(" and stmt[j - 1][0].isalpha()  # a call, not `f*(x)`
             and stmt[j - 1] not in ("sum", "min", "max")  # where a bind or one more number can mean something
             and stmt[0] != "let"]
    chosen = draw(st.lists(st.sampled_from(calls), min_size=1, max_size=3, unique=True)) if calls else []
    for i, j in sorted(chosen, reverse=True):  # from the end, so that the positions still to use stay valid
        stray = draw(st.sampled_from(STRAY_ARGUMENTS))
        stmt = stmts[i]
        stmts[i] = [*stmt[:j + 1], *stray, ",", *stmt[j + 1:]] if stmt[j + 1] != ")" else \
            [*stmt[:j + 1], *stray, *stmt[j + 1:]]
    return stmts


@SETTINGS
@given(st.data())
def test_fmt_keeps_every_argument_of_specs_that_do_not_check(data) -> None:
    stmts = data.draw(specs_with_stray_arguments())
    text = data.draw(render(stmts))
    formatted, diagnostics = format_text(text, "t.ml")
    assert formatted is not None, (diagnostics, text)
    assert _token_texts(formatted) == _token_texts(text)
    assert format_text(formatted, "t.ml")[0] == formatted
    before, after = compile_text(text, "t.ml"), compile_text(formatted, "t.ml")
    assert not before.ok, text  # an argument in the wrong place is an error, never ignored
    assert [d.code for d in before.diagnostics] == [d.code for d in after.diagnostics]


@SETTINGS
@given(st.data())
def test_hashes_ignore_spacing_and_comments(data) -> None:
    stmts = data.draw(specs())
    first = data.draw(render(stmts))
    second = data.draw(render(stmts))
    assert _hashes(first) == _hashes(second)
