"""Desugar pass unit tests: faithful AST -> the AST the checker reads.

Input:  small spec texts, parsed (faithful) then desugared.
Output: pass/fail.
Role:   pin down ``mlc.dsl.desugar.desugar``: the three model forms become one ``ModelStmt`` (settings,
        positional arguments, the default name), ``until`` in a model block and ``i in lo..hi`` outside a
        sum are E201 (bug 4: a bind in a model call used to vanish), ``loss = mse/2`` is ``half_mse``, and
        everything else passes through unchanged.
"""

from __future__ import annotations

from mlc.compiler.pipeline import compile_text
from mlc.dsl import ast
from mlc.dsl.desugar import desugar
from mlc.dsl.parser import parse


def desugared(text: str) -> tuple[ast.Spec, list]:
    spec, problems = parse(text, "t.ml")
    assert problems == [], problems
    return desugar(spec)


def test_model_forms_become_one_statement() -> None:
    spec, diagnostics = desugared("model a = two_layer(width = 4, bias = false)\n"
                                  "model b = deep { widths = [2, 2] }\n"
                                  "model resnet { width = 3   depth = 2 }\n")
    assert diagnostics == []
    a, b, c = spec.statements
    assert all(isinstance(s, ast.ModelStmt) for s in (a, b, c))
    assert (a.form, b.form, c.form) == ("call", "named_block", "block")
    assert (a.name.name, a.family.name) == ("a", "two_layer")
    assert [s.key.name for s in a.settings] == ["width", "bias"]
    assert (b.name.name, b.family.name) == ("b", "deep")
    assert (c.name.name, c.family.name) == ("resnet", "resnet")  # the name defaults to the family
    assert [s.key.name for s in c.settings] == ["width", "depth"]
    assert c.settings[1].span.column == 28  # spans are the source's


def test_positional_model_arguments_are_kept_for_the_checker() -> None:
    spec, diagnostics = desugared("model a = two_layer(64, width = 4)\n")
    model = spec.statements[0]
    assert diagnostics == []
    assert len(model.positional) == 1 and model.positional[0].value == 64
    assert [s.key.name for s in model.settings] == ["width"]


def test_until_in_a_model_block_is_reported_not_dropped_silently() -> None:
    spec, diagnostics = desugared("model deep { width = 3   until train_error < 1 }\n")
    assert [d.code for d in diagnostics] == ["E201"]
    assert diagnostics[0].span.column == 26 and "train" in diagnostics[0].message
    assert [s.key.name for s in spec.statements[0].settings] == ["width"]


def test_bug4_bind_in_a_model_call_is_an_error() -> None:
    spec, diagnostics = desugared("model net = two_layer(width = 4, i in 1..3)\n")
    assert [d.code for d in diagnostics] == ["E201"]
    (d,) = diagnostics
    assert (d.span.line, d.span.column, d.span.end_column) == (1, 34, 43)
    assert "`i in 1..3`" in d.message and "`two_layer`" in d.message
    assert "sum(" in d.help


def test_bug4_through_the_pipeline() -> None:
    text = ("problem p\nlet d = 2\ninput x ~ uniform(cube(d))\ntarget f*(x) = x[1]\n"
            "model net = two_layer(width = 4, i in 1..3)\n")
    outcome = compile_text(text, "t.ml")
    assert not outcome.ok and [d.code for d in outcome.errors] == ["E201"]
    assert outcome.plan is None


def test_binds_are_arguments_of_sum_only() -> None:
    text = ("input x ~ uniform(cube(2), i in 1..2)\n"
            "space barron(j in 1..2)\n"
            "target f*(x) = sum(i in 1..2, x[i]^2) + max(x[1], k in 1..  # a comment\n 2)\n"
            "train { optimizer = gd(lr = 0.1, m in 1..2) }\n")
    _, diagnostics = desugared(text)
    assert [(d.code, d.span.line) for d in diagnostics] == [("E201", 1), ("E201", 2), ("E201", 3), ("E201", 5)]
    assert [d.message.split("`")[3] for d in diagnostics] == ["uniform", "barron", "max", "gd"]
    assert "`k in 1.. 2`" in diagnostics[2].message  # as written, without the comment


def test_a_nested_bind_is_found() -> None:
    _, diagnostics = desugared("let a = 1 + (2 * [sqrt(4, i in 1..2)][1])\n")
    assert [d.code for d in diagnostics] == ["E201"]


def test_mse_over_two_is_half_mse() -> None:
    spec, diagnostics = desugared("train net { loss = mse / 2   steps = 3 }\ntrain { loss = mse/2.0 }\n")
    assert diagnostics == []
    for train in spec.statements:
        loss = train.block.items[0]
        assert isinstance(loss.value, ast.Name) and loss.value.id == "half_mse"
        assert loss.value.span == parse(spec.source)[0].statements[spec.statements.index(train)].block.items[0].value.span
    assert spec.statements[0].block.items[1].key.name == "steps"


def test_other_divisions_are_left_to_the_checker() -> None:
    spec, _ = desugared("train { loss = mse / 3 }\ndata { n = mse / 2 }\n")
    assert isinstance(spec.statements[0].block.items[0].value, ast.BinOp)
    assert isinstance(spec.statements[1].block.items[0].value, ast.BinOp)  # only `loss` is a loss


def test_everything_else_is_unchanged() -> None:
    text = ("problem p\nlet d = 3\ninput x ~ uniform(cube(d))\ntarget f*(x) = sum(i in 1..d, x[i]^2)\n"
            "space barron\ndata { n = 10 }\ntrain net { steps = 5 }\nsweep zip { n = [1, 2] }\nreport { bounds }\n")
    faithful, _ = parse(text, "t.ml")
    spec, diagnostics = desugar(faithful)
    assert diagnostics == []
    assert spec.statements == faithful.statements
    assert (spec.comments, spec.path, spec.source) == (faithful.comments, faithful.path, faithful.source)


def test_the_faithful_tree_is_not_modified() -> None:
    faithful, _ = parse("model m = two_layer(width = 4)\ntrain { loss = mse/2 }\n", "t.ml")
    before = list(faithful.statements)
    desugar(faithful)
    assert faithful.statements == before
    assert isinstance(faithful.statements[0], ast.ModelCall)
