"""The metric registry (compiler.metrics) and the stages that read it: checker, measurement, report.

Input:  the registry; tiny specs compiled by the real front end and trained for a few steps.
Output: unit tests of the lookups, and cross-stage tests that the checker accepts a metric for a family
        exactly when the measurement computes it (issue 7, bug 7: the path norm of a deep model).
"""

from __future__ import annotations

import pytest

from mlc.compiler import families, metrics
from mlc.compiler.pipeline import compile_text
from mlc.runtime.execute import execute_plan
from mlc.runtime.report_store import metric_keys
from mlc.runtime.results import RunResult

FAMILY_MODELS = {
    "random_features": "random_features(width = 3)",
    "two_layer": "two_layer(width = 3)",
    "resnet": "resnet(width = 3, depth = 2)",
    "deep": "deep(width = 3, depth = 2)",
}


def _spec(family: str, record: str) -> str:
    return f"""problem p
input x ~ uniform(cube(2))
target f*(x) = relu(x[1])
space barron
data {{ n = 8   n_test = 8 }}
model net = {FAMILY_MODELS[family]}
train net {{ steps = 2   record = every 1: {record} }}
report {{ bounds }}
"""


def test_every_family_is_known_to_the_registry() -> None:
    assert set(FAMILY_MODELS) == set(families.names())


def test_lookups() -> None:
    assert metrics.lookup("spectrum_k12") is metrics.METRICS["spectrum"]
    assert metrics.lookup("train_error_k2") is None  # only per-frequency metrics have _k<k> variants
    assert metrics.lookup("nonsense") is None
    assert metrics.is_error("test_error") and not metrics.is_error("test_error_raw")
    assert metrics.is_norm("path_norm") and not metrics.is_norm("param_distance")
    assert metrics.applies("path_norm", "deep") and not metrics.applies("path_norm", "resnet")
    assert not metrics.applies("nonsense", "deep")
    assert "lambda_min" not in metrics.recordable() and "spectrum" in metrics.recordable()
    assert set(metrics.stoppable()) == {"test_error", "train_error", "train_loss"}


def test_display_order_is_rank_then_name() -> None:
    names = ["weighted_path_norm", "zeta", "train_error_raw", "path_norm", "test_error", "train_error",
             "test_error_raw", "spectrum_k2", "path_norm"]
    assert metrics.display_order(names) == [
        "test_error", "train_error", "test_error_raw", "train_error_raw", "path_norm", "spectrum_k2",
        "weighted_path_norm", "zeta"]
    run = RunResult(index=0, hash="h", model="m", family="deep", seed=0,
                    metrics={name: 1.0 for name in names})
    assert metric_keys([run]) == metrics.display_order(names)  # the CSV columns read the registry


@pytest.mark.parametrize("family", sorted(FAMILY_MODELS))
def test_the_checker_accepts_a_norm_exactly_when_it_is_measured(family: str) -> None:
    """Bug 7, for every family: one rule (the registry) decides both what may be recorded and what the
    final measurement reports; before, `path_norm` of a deep model was rejected (E301) yet measured."""
    norms = [m.name for m in metrics.METRICS.values() if m.kind == "norm"]
    accepted = []
    for name in norms:
        outcome = compile_text(_spec(family, f"train_error, {name}"))
        codes = [d.code for d in outcome.errors]
        assert codes in ([], ["E301"]), outcome.rendered
        if not codes:
            accepted.append(name)
    assert accepted == [n for n in norms if metrics.applies(n, family)]
    outcome = compile_text(_spec(family, "train_error"))
    assert outcome.plan is not None, outcome.rendered
    (result,) = execute_plan(outcome.plan, device="cpu", dtype="float64")
    assert result.status == "ok", result.error
    measured = {name for name in result.metrics if metrics.is_norm(name)}
    assert measured == set(accepted)
    for name in result.metrics:  # everything the lowering measures is in the registry, for this family
        entry = metrics.lookup(name)
        assert entry is not None and entry.applies_to(family), name


def test_deep_path_norm_is_recorded_and_reported() -> None:
    """Bug 7: a deep model may record its path norm, and the curve and the final value agree."""
    outcome = compile_text(_spec("deep", "train_error, path_norm"))
    assert outcome.ok and outcome.plan is not None, outcome.rendered
    (result,) = execute_plan(outcome.plan, device="cpu", dtype="float64")
    curve = result.curves["path_norm"]
    assert curve.steps[-1] == 2 and curve.values[-1] == pytest.approx(result.metrics["path_norm"])


def test_unknown_and_unrecordable_metrics_are_rejected() -> None:
    for name in ("spectrum_error", "lambda_min"):  # plotted or recorded by name: not recordable
        outcome = compile_text(_spec("two_layer", name))
        assert [d.code for d in outcome.errors] == ["E101"], outcome.rendered
