"""Categorical sweeps (issue 10, item 8): a sweep over settings' values, each run the run of the spec that writes
that value (the same IR and hash), labelled by the value as written."""

from __future__ import annotations

import pytest

from mlc.compiler import ir
from mlc.compiler.pipeline import compile_text

BASE = """problem t
let d = 3
input x ~ uniform(cube(d))
target f*(x) = relu(x[1])
data {{ n = 40   n_test = 50 }}
model net = two_layer(width = 8 {model})
train {{ steps = 30 {train} }}
{sweep}
"""


def plan(model: str = "", train: str = "", sweep: str = "") -> ir.Plan:
    outcome = compile_text(BASE.format(model=model, train=train, sweep=sweep))
    assert outcome.plan is not None, outcome.rendered
    return outcome.plan


@pytest.mark.parametrize(("key", "values", "where"), [
    ("optimizer", ["sgd(lr = 0.1, batch = 20)", "adam(lr = 1e-3, eps = 1e-6)", "gd(lr = 0.05, momentum = 0.5)"],
     "train"),
    ("loss", ["mse", "mse/2", "logistic"], "train"),
    ("penalty", ["none", "path_norm(lambda = 0.01)", "weight_decay(lambda = 1e-4)"], "train"),
    ("activation", ["relu", "tanh", "sigmoid"], "model"),
    ("scaling", ["standard", "ntk", "mean_field"], "model"),
    ("init", ["normal", "he"], "model"),
])
def test_each_run_is_the_spec_that_writes_the_value(key: str, values: list[str], where: str) -> None:
    swept = plan(sweep=f"sweep {{ {key} = [{', '.join(values)}]   seed = 0..1 }}")
    assert len(swept.runs) == 2 * len(values)
    axis = swept.axis(key)
    labels = tuple("half_mse" if v == "mse/2" else v for v in values)  # `mse/2` is the loss half_mse
    assert axis is not None and axis.labels == labels and axis.values == tuple(range(len(values)))
    for i, value in enumerate(values):
        written = plan(**{where: f", {key} = {value}"}, sweep="sweep { seed = 0..1 }")
        runs = [r for r in swept.runs if r.params[key] == i]
        assert [r.hash for r in runs] == [r.hash for r in written.runs], value
        assert swept.param_text(key, runs[0].params[key]) == labels[i]


def test_a_categorical_sweep_with_a_numeric_one() -> None:
    swept = plan(sweep="sweep { optimizer = [gd(lr = 0.1), adam(lr = 1e-3)]   width = [4, 8] }")
    assert [(r.train.optimizer.kind, r.model.width) for r in swept.runs if r.train.optimizer] == [
        ("gd", 4), ("gd", 8), ("adam", 4), ("adam", 8)]
    # The report's default rates are over the numeric axes only.
    assert swept.report.rates == ("width",)


def test_numeric_plans_do_not_change() -> None:
    dumped = plan(sweep="sweep { width = [4, 8] }").model_dump(mode="json")
    assert "labels" not in dumped["sweep"][0]["axes"][0]


def test_a_bad_value_is_reported_at_the_sweep() -> None:
    outcome = compile_text(BASE.format(model="", train="", sweep="sweep { optimizer = [gd(lr = 0.1), adamw] }"))
    assert outcome.plan is None
    (diag,) = outcome.errors
    assert diag.code == "E101" and "adamw" in diag.message and diag.span is not None and diag.span.line == 8
