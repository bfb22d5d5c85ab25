"""The resource plan (issue 9, deliverable 2 and item 7): the estimate, the machine facts, the refusals.

Input:  the E401 goldens in tests/golden/resources (one spec per message kind), small specs built here, and
        peak-memory measurements in a subprocess (tests/resource_probe.py).
Output: test failures naming the estimate, the diagnostic or the measurement that is wrong.
Role:   every case of item 7 has a regression test: ``width = 1e9`` refused before allocation, ``d = 1e9`` in
        ``mlc bounds``, ``steps = 1e12``, ``depth = 100000``, ``record = every 1`` over 1e7 steps, and
        ``width = [8, 20000000]`` (the big runs refused alone, the small ones trained). The speed is a fixed
        cached value here: no test's assertion depends on how fast this machine is.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlc.compiler import messages
from mlc.compiler.ir import Plan
from mlc.compiler.lower.grouping import group_runs
from mlc.compiler.pipeline import compile_text
from mlc.compiler.resource_check import CONFIRM_SECONDS, Limits, judge, judge_theory, size_text, time_text
from mlc.compiler.resources import Setup, estimate_plan, estimate_runs
from mlc.dsl.diagnostics import render_all
from mlc.runtime import machine
from mlc.runtime.cli import main
from mlc.runtime.resource_limits import duration, memory_size

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "resources"
UPDATE = os.environ.get("MLC_UPDATE_GOLDEN") == "1"
GiB = 1 << 30
SPEED = machine.Speed(flops_per_s=1e9, op_latency_s=1e-5, key="test")


def seconds(estimate) -> float:
    return machine.seconds(estimate, SPEED)


# The limits each golden is judged under (what the machine or the flags would say).
GOLDEN_LIMITS = {
    "run_too_big": Limits(2 * GiB, "--max-memory is 2 GiB", seconds),
    "plan_too_big": Limits(2 * GiB, "--max-memory is 2 GiB", seconds),
    "plan_too_slow": Limits(16 * GiB, "the machine has 16 GiB available", seconds, max_time=3600.0),
    "plan_needs_yes": Limits(16 * GiB, "the machine has 16 GiB available", seconds),
}


def _compiled(text: str, name: str = "spec.ml"):
    outcome = compile_text(text, name)
    assert outcome.ok and outcome.plan is not None and outcome.spec is not None, outcome.rendered
    return outcome


def _golden_output(path: Path) -> str:
    outcome = _compiled(path.read_text(encoding="utf-8"), path.name)
    kind = path.stem.split("_", 1)[1]
    if kind == "theory_too_big":
        found = judge_theory(outcome.plan, outcome.spec, 16 * GiB, "the machine has 16 GiB available")
    else:
        verdict = judge(outcome.plan, outcome.spec, Setup(), GOLDEN_LIMITS[kind])
        found = list(verdict.refused.values()) + verdict.errors
    assert found and all(d.kind == kind and d.code == "E401" for d in found), [d.kind for d in found]
    return render_all(found, path.name, outcome.source) + "\n"


@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.glob("*.ml")))
def test_resource_golden(name: str) -> None:
    actual = _golden_output(GOLDEN / name)
    expected = GOLDEN / (Path(name).stem + ".expected")
    if UPDATE:
        expected.write_text(actual, encoding="utf-8")
    assert actual == expected.read_text(encoding="utf-8")


def test_every_resource_kind_has_a_golden() -> None:
    named = {p.stem.split("_", 1)[1] for p in GOLDEN.glob("*.ml")}
    assert set(messages.resources.__all__) == named
    assert all(messages.KINDS[k] == "E401" for k in named)


# ------------------------------------------------------------------------------------------ specs

BASE = """problem probe
let d = {d}
input x ~ uniform(cube(d))
target f*(x) = exp(-norm(x)^2)
space barron
data {{ n = {n}   n_test = {n_test} }}
model net = {model}
train net {{
  loss = mse
  optimizer = {optimizer}
  steps = {steps}
{record}}}
{sweep}
"""


def spec(d=5, n=200, n_test=400, model="two_layer(width = 64, activation = relu)", optimizer="gd(lr = 0.1)",
         steps=20, record="", sweep="") -> str:
    return BASE.format(d=d, n=n, n_test=n_test, model=model, optimizer=optimizer, steps=steps,
                       record=f"  record = {record}\n" if record else "", sweep=sweep)


@pytest.fixture
def fixed_speed(tmp_path, monkeypatch):
    """A cached speed for this torch and device: compile-and-run reads it instead of measuring."""
    monkeypatch.setenv("MLC_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    entry = {"flops_per_s": SPEED.flops_per_s, "op_latency_s": SPEED.op_latency_s, "measured_at": 1.0}
    (tmp_path / "cache" / machine.CACHE_FILE).write_text(json.dumps({machine._key("cpu"): entry}), encoding="utf-8")
    monkeypatch.setattr(machine, "_measure", lambda device, key: pytest.fail("the speed was measured again"))
    return tmp_path


def _run(tmp_path: Path, text: str, *flags: str, capsys) -> tuple[int, str, dict | None]:
    path = tmp_path / "spec.ml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    status = main(["compile-and-run", str(path), "--out", str(out), "--store", str(tmp_path / "store"), "--device",
                   "cpu", "--no-plots", *flags])
    err = capsys.readouterr().err
    results = json.loads((out / "results.json").read_text()) if (out / "results.json").exists() else None
    return status, err, results


# ------------------------------------------------------------------------------------------ the cases of item 7


def test_width_1e9_is_refused_before_allocation(fixed_speed, capsys) -> None:
    text = spec(model="two_layer(width = 1000000000, activation = relu)")
    status, err, results = _run(fixed_speed, text, "--max-memory", "8G", capsys=capsys)
    assert status == 1 and "Traceback" not in err
    assert "error[E401]: run 0 (net) needs" in err and "; --max-memory is 8 GiB: `width = 1000000000` at line 7" in err
    assert results is not None and [r["status"] for r in results["runs"]] == ["refused"]


def test_an_oversized_run_is_refused_alone_and_its_siblings_train(fixed_speed, capsys) -> None:
    text = spec(sweep="sweep { width = [8, 20000000]   seed = 0..2 }")
    status, err, results = _run(fixed_speed, text, "--max-memory", "4G", capsys=capsys)
    assert status == 1 and "Traceback" not in err
    by_width = {}
    for run in results["runs"]:
        by_width.setdefault(run["params"]["width"], set()).add(run["status"])
    assert by_width == {8.0: {"ok"}, 20000000.0: {"refused"}}
    assert err.count("error[E401]") == 3 and "`width = [8, 20000000]` at line 13" in err
    assert results["planned_runs"] == 6 and len(results["runs"]) == 6


def test_steps_1e12_needs_yes_or_a_time_limit(fixed_speed, capsys) -> None:
    text = spec(steps=1000000000000)
    status, err, results = _run(fixed_speed, text, capsys=capsys)
    assert status == 1 and results is None  # nothing was written, nothing trained
    assert "more than the 1 h that starts without asking: `steps = 1000000000000` at line 11" in err
    assert "pass --yes" in err
    status, err, _ = _run(fixed_speed, text, "--max-time", "30m", capsys=capsys)
    assert status == 1 and "; --max-time is 30 min: `steps = 1000000000000` at line 11" in err


def test_depth_100000_is_refused(fixed_speed, capsys) -> None:
    text = spec(model="deep(width = 64, depth = 100000, activation = relu)")
    status, err, results = _run(fixed_speed, text, "--max-memory", "4G", capsys=capsys)
    assert status == 1 and "`depth = 100000` at line 7" in err


def test_stored_runs_are_not_judged(fixed_speed, capsys) -> None:
    text = spec(n=40, n_test=40, model="two_layer(width = 8, activation = relu)", steps=5)
    assert _run(fixed_speed, text, capsys=capsys)[0] == 0
    status, err, results = _run(fixed_speed, text, "--max-memory", "1K", capsys=capsys)  # read back, not trained
    assert status == 0 and "E401" not in err and results["runs"][0]["status"] == "ok"
    status, err, _ = _run(fixed_speed, text, "--max-memory", "1K", "--rerun", capsys=capsys)
    assert status == 1 and "E401" in err


def test_recording_every_step_of_1e7_steps_needs_yes() -> None:
    outcome = _compiled(spec(n=20, n_test=20, model="two_layer(width = 4, activation = relu)", steps=10_000_000,
                             record="every 1: train_error, test_error, path_norm"))
    estimate = estimate_plan(outcome.plan)
    assert estimate.curve_values == 3 * (10_000_000 + 2)
    verdict = judge(outcome.plan, outcome.spec, Setup(), Limits(16 * GiB, "", seconds))
    texts = [d.message for d in verdict.errors]
    assert any("records 30,000,006 values" in t and "`record = every 1: train_error, test_error, path_norm`" in t
               for t in texts), texts
    assert not judge(outcome.plan, outcome.spec, Setup(), Limits(16 * GiB, "", seconds, yes=True)).errors


def test_bounds_with_a_huge_d_gives_a_diagnostic(tmp_path, capsys) -> None:
    path = tmp_path / "wide.ml"
    path.write_text(spec(d=1000000000), encoding="utf-8")
    status = main(["bounds", str(path)])
    err = capsys.readouterr().err
    assert status == 1 and "Traceback" not in err and "MemoryError" not in err
    assert "error[E401]: the theory's evaluation of the target needs" in err and "`let d = 1000000000` at line 2" in err


# ------------------------------------------------------------------------------------------ the estimate


def test_the_estimate_groups_the_runs_as_the_lowering_does() -> None:
    outcome = _compiled(spec(sweep="sweep { width = [8, 32]   seed = 0..1 }\nsweep { lr = [0.1, 0.2] }"))
    groups = group_runs(outcome.plan)
    estimate = estimate_plan(outcome.plan)
    assert [g.runs for g in estimate.groups] == [tuple(r.index for r in g.runs) for g in groups]


def test_memory_grows_with_what_makes_it_big() -> None:
    def peak(**kw) -> int:
        return estimate_plan(_compiled(spec(**kw)).plan).peak

    assert peak(model="two_layer(width = 64000, activation = relu)") > 50 * peak()
    assert peak(n=20000, n_test=40000) > 20 * peak()
    wide = "two_layer(width = 64000, activation = relu)"
    assert peak(optimizer="adam(lr = 0.001)", model=wide) > peak(optimizer="gd(lr = 0.1, momentum = 0.5)", model=wide)
    assert peak(sweep="sweep { seed = 0..99 }", optimizer="adam(lr = 0.001)") > \
        10 * peak(optimizer="adam(lr = 0.001)")


def test_the_estimate_reads_the_lowerings_constants() -> None:
    """The estimate cannot import the torch modules it models; their sizes must agree (cross-stage)."""
    import inspect

    from mlc.compiler import resources
    from mlc.compiler.lower import norm_fit

    defaults = inspect.signature(norm_fit.FittingNormEstimator).parameters
    assert resources.NORM_ESTIMATE_SAMPLES == defaults["samples"].default
    assert resources.NORM_ESTIMATE_WIDTH == defaults["width"].default


def test_float64_needs_more_than_float32() -> None:
    plan = _compiled(spec(model="two_layer(width = 64000, activation = relu)")).plan
    assert estimate_plan(plan, Setup(dtype="float64")).peak > 1.5 * estimate_plan(plan).peak


def test_the_estimate_is_not_part_of_the_plan(capsys, tmp_path) -> None:
    path = tmp_path / "spec.ml"
    path.write_text(spec(), encoding="utf-8")
    assert main(["compile", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == set(Plan.model_fields)
    assert main(["compile", str(path)]) == 0
    out = capsys.readouterr().out
    assert "resources (float32 on the cpu): peak" in out and "FLOPs" in out


def test_a_run_alone_costs_less_than_the_group() -> None:
    outcome = _compiled(spec(sweep="sweep { width = [8, 2000000] }"))
    plan = outcome.plan
    small, big = plan.runs
    assert estimate_runs(plan, [small]).peak * 1000 < estimate_runs(plan, [big]).peak
    assert estimate_runs(plan, [big]).peak <= estimate_plan(plan).peak


# ------------------------------------------------------------------------------------------ machine and flags


def test_the_speed_is_measured_once_and_cached(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MLC_CACHE_DIR", str(tmp_path))
    calls = []

    def fake(device: str, key: str) -> machine.Speed:
        calls.append(key)
        return machine.Speed(2e9, 2e-5, key)

    monkeypatch.setattr(machine, "_measure", fake)
    first = machine.measure_speed("cpu")
    second = machine.measure_speed("cpu")
    assert len(calls) == 1 and first == second
    import torch

    assert first.key == f"torch {torch.__version__} on cpu:cpu"
    assert machine.cached_speed("cpu") == first
    assert machine.cached_speed("cuda") is None


def test_available_memory_is_read() -> None:
    available = machine.available_memory("cpu")
    assert available is None or available > 0


def test_sizes_and_durations_parse() -> None:
    assert memory_size("8G") == 8 * GiB == memory_size("8GiB") == memory_size("8 gb")
    assert memory_size("500M") == 500 << 20 and memory_size("1e9") == 10 ** 9
    assert duration("90s") == 90 and duration("30m") == 1800 and duration("2h") == 7200 and duration("5") == 5
    for bad in ("lots", "-1G", "0"):
        with pytest.raises(argparse.ArgumentTypeError):
            memory_size(bad)
    with pytest.raises(argparse.ArgumentTypeError):
        duration("soon")


def test_a_bad_limit_is_a_usage_error(capsys) -> None:
    code = main(["compile-and-run", "spec.ml", "--max-memory", "lots"])  # cli.main turns argparse's exit into 2
    assert code == 2 and "not a memory size" in capsys.readouterr().err


def test_units_read_well() -> None:
    assert size_text(48 * GiB) == "48 GiB" and size_text(3.1 * (1 << 20)) == "3.1 MiB" and size_text(12) == "12 B"
    assert time_text(CONFIRM_SECONDS) == "1 h" and time_text(45) == "45 s" and time_text(8640) == "2.4 h"


# ------------------------------------------------------------------------------------------ estimate vs measured

FAST = """problem probe_fast
let d = 20
input x ~ uniform(cube(d))
target f*(x) = exp(-norm(x)^2)
space barron
data {{ n = {n}   n_test = {n_test} }}
model net = two_layer(width = 64, activation = relu, scaling = mean_field)
train net {{ loss = mse   optimizer = gd(lr = 0.2)   steps = 3 }}
sweep {{ width = {widths}   seed = 0..1 }}
"""
AUTOGRAD = """problem probe_autograd
let d = 10
input x ~ uniform(cube(d))
target f*(x) = exp(-norm(x)^2)
space barron
data {{ n = {n}   n_test = {n_test} }}
model net = deep(width = {width}, depth = 3, activation = tanh)
train net {{ loss = mse   optimizer = adam(lr = 0.001)   steps = 1 }}
sweep {{ seed = 0..{seeds} }}
"""
CLOSED = """problem probe_closed_form
let d = 10
input x ~ uniform(cube(d))
target f*(x) = exp(-norm(x)^2)
space barron
data {{ n = {n}   n_test = {n_test} }}
model rf = random_features(width = {width}, activation = relu)
train rf {{ loss = mse   solve = ridge   penalty = rkhs_norm(lambda = 0.001) }}
"""
WARM = {"fast": dict(n=50, n_test=50, widths="[4, 8]"), "autograd": dict(n=50, n_test=50, width=8, seeds=1),
        "closed_form": dict(n=50, n_test=50, width=8)}
TEMPLATES = {"fast": FAST, "autograd": AUTOGRAD, "closed_form": CLOSED}


def _measure(tmp_path: Path, sizes: dict[str, dict], dtype: str) -> list[dict]:
    """One fresh process per plan: memory freed by an earlier plan (kept by the allocator, or in another thread's
    arena) would otherwise be reused without showing in the resident set, and lower the next measurement."""
    found = []
    for engine, values in sizes.items():
        args = []
        for label, kw in (("warm", WARM[engine]), ("big", values)):
            path = tmp_path / f"{engine}_{label}.ml"
            path.write_text(TEMPLATES[engine].format(**kw), encoding="utf-8")
            args.append(str(path))
        proc = subprocess.run([sys.executable, str(ROOT / "tests" / "resource_probe.py"), dtype, *args],
                              capture_output=True, text=True, timeout=900, cwd=tmp_path, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stderr
        found += json.loads(proc.stdout)
    return found


# Slow, and not in the default suite: the measured peaks vary from run to run on one tree (autograd 287-347 MiB
# against 168 MiB estimated; closed form 239-370 MiB against 366 MiB), so the factor 1.5 holds only on some runs
# (docs/resources.md, known gap).
@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc/self/clear_refs")
def test_the_estimate_is_within_a_factor_of_1_5_of_the_measured_peak(tmp_path) -> None:
    sizes = {"fast": dict(n=1000, n_test=2000, widths="[3000, 30000]"),  # ~85 MiB: packed buffers and row blocks
             "autograd": dict(n=10000, n_test=2000, width=200, seeds=3),  # ~230 MiB: the graph's activations
             "closed_form": dict(n=2000, n_test=2000, width=1000)}  # ~370 MiB: the kernel prediction
    for found in _measure(tmp_path, sizes, "float32"):
        assert found["measured"] > 50 * (1 << 20), found  # large enough for the ratio to mean something
        assert 1 / 1.5 <= found["ratio"] <= 1.5, found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc/self/clear_refs")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_estimate_is_within_a_factor_of_1_5_on_bigger_plans(tmp_path, dtype: str) -> None:
    sizes = {"fast": dict(n=2000, n_test=8000, widths="[10000, 100000]"),
             "autograd": dict(n=3000, n_test=2000, width=1000, seeds=3),
             "closed_form": dict(n=4000, n_test=2000, width=3000)}
    for found in _measure(tmp_path, sizes, dtype):
        assert 1 / 1.5 <= found["ratio"] <= 1.5, found
