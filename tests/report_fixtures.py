"""Fixtures for the report tests: a small Plan and ExperimentResult built in code.

Input:  nothing.
Output: :func:`make_plan` and :func:`make_result`, synthetic *inputs* to the report (a width sweep of two
        models over three seeds, with a known power law in the errors, bounds, one diverged and one failed
        run).
Role:   shared by ``tests/test_report*.py``; these are test inputs, never outputs of the tool.
"""

from __future__ import annotations

import math

import numpy as np

from mlc.compiler import conventions
from mlc.compiler.ir import (
    Data, FormulaTarget, InputDist, Mark, Model, Num, Plan, Plot, Report, Run, Space, SweepAxis,
    Slot, SweepBlock, Train,
)
from mlc.compiler.theory.rates import with_rates
from mlc.compiler.theory.results import HypothesisCheck
from mlc.runtime.results import BoundValue, Curve, Environment, ExperimentResult, RunResult

WIDTHS = (10.0, 40.0, 160.0, 640.0)
SEEDS = (0.0, 1.0, 2.0)
MODELS = (("net", "two_layer"), ("rf", "random_features"))
TEST_EXPONENT = -1.0
TRAIN_EXPONENT = -0.5


def make_plan(rates: tuple[str, ...] = ("width",), plots: tuple[Plot, ...] = (),
              marks: tuple[Mark, ...] = (), zipped: bool = False) -> Plan:
    """A product sweep width x seed over two models; with ``zipped``, width is zipped with an axis
    ``n_test`` = 10 x width (as in ``sweep { zip(width, n_test) }``). Its predicted rates are filled in
    by the compile step (``compiler.theory.rates.with_rates``)."""
    runs: list[Run] = []
    for name, family in MODELS:
        for width in WIDTHS:
            for seed in SEEDS:
                index = len(runs)
                model, train = Model(name=name, family=family, width=int(width)), Train(model=name)
                inp, data = InputDist(kind="cube", dim=5), Data(n=100, n_test=100)
                runs.append(Run(
                    index=index, hash=f"h{index:04d}", model=model, train=train, input=inp,
                    target=FormulaTarget(expr=Num(value=1.0)), space=Space(kind="barron"),
                    data=data, seed=int(seed), conventions=conventions.resolve(model, train, inp, data),
                    params={"width": width, "seed": seed, **({"n_test": 10 * width} if zipped else {})},
                ))
    width_slots = tuple(Slot(section="model", owner=name, key="width") for name, _ in MODELS)
    width_axis = SweepAxis(key="width", values=WIDTHS, targets=width_slots, varies=("width",))
    seed_axis = SweepAxis(key="seed", values=SEEDS, targets=(Slot(section="seed", key="seed"),), varies=("seed",))
    if zipped:
        n_test_axis = SweepAxis(key="n_test", values=tuple(10 * w for w in WIDTHS), targets=(Slot(section="data", key="n_test"),),
                                varies=("n_test",))
        sweep = (SweepBlock(mode="zip", axes=(width_axis, n_test_axis)), SweepBlock(axes=(seed_axis,)))
    else:
        sweep = (SweepBlock(axes=(width_axis, seed_axis)),)
    return with_rates(Plan(problem="toy", spec_hash="abc123", sweep=sweep,
                           report=Report(rates=rates, plots=plots, marks=marks), runs=tuple(runs)))


def _bounds(width: float, path_norm: float) -> list[BoundValue]:
    return [
        BoundValue(theorem="T5", title="a priori, path-norm regularised", citation="E-Ma-Wu 2019",
                   kind="upper", holds=True, value=3.0 / width + 0.5),
        BoundValue(theorem="T4", title="a posteriori", citation="E-Ma-Wu 2019", kind="a_posteriori",
                   quantity="generalisation_gap", holds=True, value=4 * (path_norm + 1) * 0.1,
                   unverified=True),
        BoundValue(theorem="T9e", title="RF min-norm", citation="Wu", kind="upper", holds=False,
                   hypotheses=[HypothesisCheck(name="m large", ok=False, message="m >= lambda_min(K)^-2")]),
        BoundValue(theorem="T7", title="RF on Barron target", citation="E-Ma-Wu", kind="lower_rate",
                   holds=True, text="m^(-2/d) [worst case]"),
    ]


def make_run_results(plan: Plan, noise: float = 0.05) -> list[RunResult]:
    """One RunResult per run: test_error = 2 width^-1 e^eps, train_error = 0.5 width^-0.5 e^eps.

    The run (rf, width 40, seed 1) diverged and (rf, width 160, seed 2) failed.
    """
    rng = np.random.default_rng(1)
    out: list[RunResult] = []
    for run in plan.runs:
        width = run.params["width"]
        test = 2.0 * width**TEST_EXPONENT * math.exp(noise * rng.standard_normal())
        train = 0.5 * width**TRAIN_EXPONENT * math.exp(noise * rng.standard_normal())
        path_norm = 1.0 + 0.1 * run.seed
        result = RunResult(
            index=run.index, hash=run.hash, model=run.model.name, family=run.model.family,
            seed=run.seed, params=dict(run.params), steps_done=100,
            metrics={"test_error": test, "train_error": train, "test_error_raw": test * 1.01,
                     "path_norm": path_norm, "param_distance": 0.3},
            curves={"train_error": Curve(steps=[0, 50, 100], values=[1.0, 10 * train, train])},
            bounds=_bounds(width, path_norm), wall_time_s=0.01,
        )
        if run.model.name == "rf" and width == 40.0 and run.seed == 1:
            result.status = "diverged"
            result.diverged_at_step = 37
            result.metrics = {"train_error": float("nan")}
            result.curves = {"train_error": Curve(steps=[0, 37], values=[1.0, float("inf")])}
        if run.model.name == "rf" and width == 160.0 and run.seed == 2:
            result.status = "failed"
            result.error = "RuntimeError: out of memory"
            result.metrics = {}
            result.curves = {}
        out.append(result)
    return out


def make_result(plan: Plan, runs: list[RunResult] | None = None) -> ExperimentResult:
    """An ExperimentResult with an environment, holding ``runs`` (none by default)."""
    env = Environment(mlc_version="0.1.0", python="3.11", torch="2.13.0", device="cpu", device_name="cpu",
                      dtype="float64", platform="linux")
    return ExperimentResult(problem=plan.problem, spec_path="specs/toy.ml", spec_hash=plan.spec_hash,
                            environment=env, started_at="2026-11-27T00:00:00Z", wall_time_s=12.5,
                            runs=list(runs or []))
