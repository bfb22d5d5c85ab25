"""Parser unit tests: every construct parses to the right AST node, with correct spans.

Input:  small spec texts.
Output: pass/fail.
Role:   pin down ``mlc.dsl.parser.parse``: node types and fields for each statement, block item, report
        item and expression form; 1-based line/column spans (a tab counts as one column); comments
        collected with spans; several syntax errors per run; ``**`` kept as a spelling of ``^``. The tree
        is faithful: model statements keep their call or block as written (the desugared form is
        ``tests/test_desugar.py``'s).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from mlc.dsl import ast
from mlc.dsl.parser import MAX_NESTING, parse


def parse_ok(text: str) -> ast.Spec:
    spec, diagnostics = parse(text, "t.ml")
    assert diagnostics == [], diagnostics
    return spec


def expr_of(text: str) -> ast.Expr:
    spec = parse_ok(f"let a = {text}\n")
    return spec.statements[0].value


def at(node, line: int, column: int, end_line: int | None = None, end_column: int | None = None) -> None:
    span = node.span
    assert (span.line, span.column) == (line, column), span
    if end_line is not None:
        assert (span.end_line, span.end_column) == (end_line, end_column), span


def test_every_statement_kind() -> None:
    spec = parse_ok(
        "problem p\n"
        "let d = 3\n"
        "input x ~ uniform(cube(d))\n"
        "target f*(x) = relu(x[1])\n"
        "space barron(norm <= 2)\n"
        "data { n = 10 }\n"
        "model net = two_layer(width = 4)\n"
        "train net { steps = 5 }\n"
        "sweep zip { n = [1, 2] }\n"
        "report { bounds }\n")
    kinds = [type(s).__name__ for s in spec.statements]
    assert kinds == ["ProblemStmt", "LetStmt", "InputStmt", "TargetStmt", "SpaceStmt", "DataStmt",
                     "ModelCall", "TrainStmt", "SweepStmt", "ReportStmt"]
    problem, let, inp, target, space, data, model, train, sweep, report = spec.statements
    assert problem.name.name == "p"
    at(problem, 1, 1, 1, 10)
    assert let.name.name == "d" and isinstance(let.value, ast.Number) and let.value.value == 3
    at(let.value, 2, 9, 2, 10)
    assert inp.var.name == "x" and isinstance(inp.distribution, ast.Call)
    assert inp.distribution.func.name == "uniform"
    at(inp.distribution.args[0], 3, 19, 3, 26)
    assert target.name.name == "f" and target.star and target.param.name == "x"
    at(target.param, 4, 11)
    assert isinstance(space.space, ast.Call) and isinstance(space.space.args[0], ast.Compare)
    assert [s.key.name for s in data.block.items] == ["n"]
    at(data.block, 6, 6, 6, 16)
    assert (model.name.name, model.call.func.name) == ("net", "two_layer")
    assert [a.key.name for a in model.call.args] == ["width"]
    assert train.model.name == "net"
    assert sweep.mode.name == "zip"
    assert isinstance(report.items[0], ast.ReportBounds)


def test_model_forms() -> None:
    spec = parse_ok("model a = two_layer(width = 4, bias = false)\n"
                    "model b = deep { widths = [2, 2] }\n"
                    "model resnet { width = 3   depth = 2 }\n")
    a, b, c = spec.statements
    assert [type(s).__name__ for s in spec.statements] == ["ModelCall", "ModelBlock", "ModelBlock"]
    assert (b.name.name, b.family.name) == ("b", "deep")
    assert (c.name, c.family.name) == (None, "resnet")  # no name written: none in the faithful tree
    assert [s.key.name for s in c.block.items] == ["width", "depth"]
    at(c.block.items[1], 3, 28, 3, 37)


def test_model_call_arguments_are_kept_as_written() -> None:
    # Bug 4: the parser used to turn the call into settings and lose `i in 1..3` on the way.
    model = parse_ok("model a = two_layer(64, width = 4, i in 1..3)\n").statements[0]
    positional, width, bind = model.call.args
    assert isinstance(positional, ast.Number) and positional.value == 64
    assert isinstance(width, ast.KwArg) and width.key.name == "width"
    assert isinstance(bind, ast.Bind) and bind.var.name == "i"
    at(bind, 1, 36, 1, 45)


def test_target_forms() -> None:
    spec = parse_ok("target f = x[1]\ntarget g* = teacher two_layer(width = 3, seed = 1)\n")
    plain, teacher = spec.statements
    assert (plain.star, plain.param) == (False, None)
    assert teacher.star and isinstance(teacher.rhs, ast.Teacher)
    assert teacher.rhs.call.func.name == "two_layer"
    at(teacher.rhs, 2, 13)


def test_train_and_sweep_heads_are_optional() -> None:
    train, sweep, product = parse_ok("train { steps = 1 }\nsweep { seed = 0..2 }\n"
                                     "sweep product { n = [1] }\n").statements
    assert train.model is None and sweep.mode is None and product.mode.name == "product"
    assert isinstance(sweep.block.items[0].value, ast.RangeLit)


def test_block_items_and_separators() -> None:
    train = parse_ok("train net {\n  steps = 1, loss = mse; until train_error < 1e-3\n"
                     "  record = every 10: train_error, test_error\n}\n").statements[0]
    steps, loss, until, record = train.block.items
    assert isinstance(until, ast.Until) and isinstance(until.condition, ast.Compare)
    assert until.condition.op == "<"
    at(until, 2, 26, 2, 50)
    assert isinstance(record.value, ast.Every)
    assert record.value.interval.value == 10
    assert [m.name for m in record.value.metrics] == ["train_error", "test_error"]
    at(record.value.metrics[1], 3, 35, 3, 45)


def test_report_items() -> None:
    report = parse_ok("report {\n  bounds\n  rates over n, width\n  plot test_error vs n\n"
                      "  mark n = 2 * d, width = 3\n  delta = 0.1\n}\n").statements[0]
    bounds, rates, plot, mark, delta = report.items
    assert isinstance(bounds, ast.ReportBounds)
    assert [a.name for a in rates.axes] == ["n", "width"]
    assert (plot.y.name, plot.x.name) == ("test_error", "n")
    assert [m.axis.name for m in mark.marks] == ["n", "width"]
    assert isinstance(mark.marks[0].value, ast.BinOp)
    assert isinstance(delta, ast.Setting) and delta.key.name == "delta"
    at(plot, 4, 3, 4, 23)


def test_precedence_and_associativity() -> None:
    e = expr_of("1 + 2 * 3 - 4 / 5")
    assert e.op == "-" and e.left.op == "+" and e.left.right.op == "*" and e.right.op == "/"
    p = expr_of("2 ^ 3 ^ 4")
    assert p.op == "^" and isinstance(p.left, ast.Number) and p.right.op == "^"
    u = expr_of("-x^2")
    assert isinstance(u, ast.UnaryOp) and u.operand.op == "^"
    n = expr_of("2^-1")
    assert n.op == "^" and isinstance(n.right, ast.UnaryOp)
    plus = expr_of("+a")
    assert isinstance(plus, ast.UnaryOp) and plus.op == "+"


def test_power_spelling_is_kept() -> None:
    star, caret = expr_of("x ** 2"), expr_of("x ^ 2")
    assert star.op == caret.op == "^"
    assert (star.spelling, caret.spelling) == ("**", "^")


def test_parens_vectors_index_calls() -> None:
    paren = expr_of("(1 + 2) * 3")
    assert isinstance(paren.left, ast.Paren) and paren.left.expr.op == "+"
    at(paren.left, 1, 9, 1, 16)
    vec = expr_of("[1, -2, 3.5e-1]")
    assert isinstance(vec, ast.VectorLit) and [i.span.column for i in vec.items] == [10, 13, 17]
    assert vec.items[2].value == pytest.approx(0.35) and vec.items[2].text == "3.5e-1"
    assert expr_of("[]").items == ()
    index = expr_of("w[i + 1]")
    assert isinstance(index, ast.Index) and index.base.id == "w" and index.index.op == "+"
    call = expr_of("sum(i in 1..d, x[i]^2)")
    bind = call.args[0]
    assert isinstance(bind, ast.Bind) and bind.var.name == "i" and bind.hi.id == "d"
    kw = expr_of("gd(lr = 0.1)").args[0]
    assert isinstance(kw, ast.KwArg) and kw.key.name == "lr"
    assert call.positional == [call.args[1]] and expr_of("gd(lr = 0.1)").keywords == [kw]


def test_values_range_and_every() -> None:
    let = parse_ok("let r = 1..d\n").statements[0]
    assert isinstance(let.value, ast.RangeLit) and let.value.hi.id == "d"
    at(let.value, 1, 9, 1, 13)


def test_comparisons() -> None:
    for op in ("<", "<=", ">", ">="):
        e = expr_of(f"a {op} b")
        assert isinstance(e, ast.Compare) and e.op == op


def test_multiline_statement_spans() -> None:
    spec = parse_ok("model net = two_layer(\n    width = 4,\n    activation = relu)\nlet a = 1\n")
    model, let = spec.statements
    at(model, 1, 1, 3, 23)
    at(model.call.args[1].value, 3, 18, 3, 22)
    at(let, 4, 1)


def test_tab_counts_one_column() -> None:
    spec = parse_ok("let\ta =\t\t7\n")
    at(spec.statements[0].value, 1, 10)


def test_comments_are_collected_with_spans() -> None:
    spec = parse_ok("# head\nlet a = 1  # tail\n\n  # indented\n")
    assert [c.text for c in spec.comments] == ["# head", "# tail", "# indented"]
    assert [(c.span.line, c.span.column) for c in spec.comments] == [(1, 1), (2, 12), (4, 3)]
    assert spec.source.startswith("# head") and spec.path == "t.ml"


def test_crlf_comment_text_has_no_carriage_return() -> None:
    spec = parse_ok("let a = 1  # tail\r\nlet b = 2\r\n")
    assert spec.comments[0].text == "# tail"
    at(spec.statements[1], 2, 1)


def test_keywords_are_contextual() -> None:
    spec = parse_ok("let report = 1\nlet bounds = report + 1\nmodel data = two_layer(width = bounds)\n")
    assert spec.statements[1].value.left.id == "report"
    assert spec.statements[2].name.name == "data"


def test_several_syntax_errors_in_one_run() -> None:
    _, diagnostics = parse("let = 1\nlet b 2\nlet c = 3\nlet d = )\n", "t.ml")
    assert [d.code for d in diagnostics] == ["E001", "E001", "E001"]
    assert [d.span.line for d in diagnostics] == [1, 2, 4]


def test_invalid_characters() -> None:
    for text, hint in (("let a = |b|\n", "abs"), ("let a = 's'\n", "only a file path"), ('let a = "s#"\n', "without `#`"),
                       ("let a = !b\n", "`!`")):
        _, diagnostics = parse(text)
        assert diagnostics[0].code == "E002" and hint in diagnostics[0].help
        assert diagnostics[0].span.column == 9


def test_unclosed_bracket_points_at_it() -> None:
    _, diagnostics = parse("train net {\n  steps = 1\n")
    assert diagnostics[0].code == "E001" and (diagnostics[0].span.line, diagnostics[0].span.column) == (1, 11)


def test_nesting_limit() -> None:
    ok = "let a = " + "(" * MAX_NESTING + "1" + ")" * MAX_NESTING
    parse_ok(ok)
    _, diagnostics = parse("let a = " + "(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1))
    assert [d.code for d in diagnostics] == ["E005"]
    # brackets inside comments do not count
    parse_ok("# " + "(" * 500 + "\nlet a = 1\n")


def test_empty_and_comment_only() -> None:
    assert parse_ok("").statements == []
    assert parse_ok("# only\n").statements == []


def test_until_in_a_model_block_is_kept() -> None:
    # Faithful: the parser keeps it; the desugar pass reports it (tests/test_desugar.py).
    spec = parse_ok("model deep { width = 3   until train_error < 1 }\n")
    width, until = spec.statements[0].block.items
    assert isinstance(until, ast.Until) and until.span.column == 26


def test_emit_ast_json(capsys) -> None:
    import json
    from pathlib import Path

    from mlc.runtime.cli import main

    path = Path(__file__).resolve().parents[1] / "specs" / "quickstart.ml"
    assert main(["compile", str(path), "--emit", "ast", "--json"]) == 0
    tree = json.loads(capsys.readouterr().out)
    assert [s["node"] for s in tree[:3]] == ["ProblemStmt", "LetStmt", "InputStmt"]
    assert tree[1]["value"] == {"node": "Number", "value": 5.0, "text": "5", "span": tree[1]["value"]["span"]}
    let_line = path.read_text().splitlines().index("let d = 5") + 1
    assert tree[1]["value"]["span"]["line"] == let_line


def test_every_grammar_rule_has_a_builder() -> None:
    # A rule without a builder would leave a raw Lark tree in the AST; the generated builders
    # (ast_utils) and the hand-written ones must cover the grammar between them.
    from mlc.dsl.build import _transformer
    from mlc.dsl.grammar import lark_parser

    produced = {rule.alias or rule.origin.name for rule in lark_parser().rules
                if rule.alias or not (rule.options.expand1 or rule.origin.name.startswith("_"))}
    transformer = _transformer()
    assert {name for name in produced if not callable(getattr(transformer, name, None))} == set()
    # ... and every one-to-one AST class (generated builder) is built from a rule of its name.
    from lark.ast_utils import Ast, camel_to_snake

    one_to_one = {camel_to_snake(name) for name, cls in vars(ast).items()
                  if isinstance(cls, type) and issubclass(cls, Ast) and not name.startswith("_")}
    generated = set(vars(transformer)) & produced  # create_transformer sets them on the instance
    assert generated == one_to_one
    assert {"kw_arg", "range_lit", "setting", "model_call", "model_block", "report_stmt"} <= generated


def _no_parse_tree_left(node, path: str) -> None:
    import dataclasses

    from lark import Token, Tree

    stack = [node]
    while stack:
        item = stack.pop()
        assert not isinstance(item, (Tree, Token)), f"{path}: a raw {type(item).__name__} in the AST: {item!r}"
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif dataclasses.is_dataclass(item):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))


def test_shipped_specs_and_goldens_build_only_ast_nodes() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    paths = sorted([*root.glob("specs/*.ml"), *root.glob("tests/golden/*/*.ml")])
    assert len(paths) > 20
    for path in paths:
        spec, _ = parse(path.read_text(encoding="utf-8"), str(path))
        _no_parse_tree_left(spec.statements, str(path))


def _node_classes() -> list[type]:
    return [c for c in vars(ast).values()
            if isinstance(c, type) and c.__module__ == ast.__name__ and dataclasses.is_dataclass(c) and c is not ast.Spec]


def _reference(cls: type) -> type:
    """The frozen dataclass that ``cls`` stood for before ``ast._node``: the same fields, every method generated."""
    fields = [(f.name, f.type, dataclasses.field(default=f.default)) if f.default is not dataclasses.MISSING
              else (f.name, f.type) for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=True)


def _outcome(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, str]:
    try:
        made = cls(*args, **kwargs)
    except TypeError as e:  # the message names the class (by its own qualname): compare the rest
        return "TypeError", str(e).split(".__init__() ", 1)[-1]
    return "ok", repr(made)


@pytest.mark.parametrize("cls", _node_classes(), ids=lambda c: c.__name__)
def test_node_classes_behave_as_generated_frozen_dataclasses(cls: type) -> None:
    """ast._node gives each node class the shared constructor, immutability, eq, hash and repr of ast._Value
    instead of generated ones: every way of calling and using it matches a real frozen dataclass's."""
    ref = _reference(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    assert names == [f.name for f in dataclasses.fields(ref)]
    assert [f.default for f in dataclasses.fields(cls)] == [f.default for f in dataclasses.fields(ref)]
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
    values = {n: (i, n) for i, n in enumerate(names)}
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        (tuple(values[n] for n in names), {}),  # all positional
        ((), dict(values)),  # all keywords
        ((), {n: values[n] for n in required}),  # the defaults
        (tuple(values[n] for n in names[:1]), {n: values[n] for n in names[1:]}),  # mixed
        (tuple(values[n] for n in names) + (0,), {}),  # too many
        ((), {n: values[n] for n in required[1:]}),  # one missing
        ((), {n: values[n] for n in required[2:]}),  # two missing
        ((), {}),  # all missing
        ((), {**values, "nope": 1}),  # unknown
        (tuple(values[n] for n in names[:1]), dict(values)),  # repeated
    ]
    for args, kwargs in calls:
        got, want = _outcome(cls, args, kwargs), _outcome(ref, args, kwargs)
        assert got == want, (args, kwargs)
    node, twin, other = cls(**values), cls(**values), ref(**values)
    assert node == twin and hash(node) == hash(twin) == hash(other) and node != other
    for name in names:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(node, name, 1)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(node, name)
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.extra = 1  # type: ignore[attr-defined]
    changed = dataclasses.replace(node, **{names[0]: "changed"})
    assert getattr(changed, names[0]) == "changed" and changed != node
    assert dataclasses.astuple(node) == dataclasses.astuple(other)
