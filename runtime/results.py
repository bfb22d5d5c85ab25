"""Results of training: the data model between the executor and the report.

Input:  nothing (data model only).
Output: :class:`RunResult` (one per run of the plan) and :class:`ExperimentResult` (the whole sweep,
        with everything needed to rerun it: spec hash, run hashes, versions, device, seeds).
Role:   the contract between ``runtime.execute`` (which fills these in), ``compiler.theory`` (which adds
        bounds), and ``runtime.report`` (which renders tables, plots, JSON and CSV).

These are plain pydantic models so that the JSON written under ``--out`` can be read back with
``ExperimentResult.model_validate_json``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from mlc.compiler.theory.results import BoundValue  # the theory owns it; runs store it

__all__ = ["BoundValue", "Curve", "Environment", "ExperimentResult", "RunResult"]


class Curve(BaseModel):
    """A metric recorded during training: ``values[i]`` was measured after ``steps[i]`` steps (for a
    ``solve = gradient_flow`` run: at time ``steps[i]``, a float, 0 and inf included)."""

    steps: list[int | float] = Field(default_factory=list)
    values: list[float] = Field(default_factory=list)


class RunResult(BaseModel):
    """Everything measured for one run."""

    index: int
    hash: str
    model: str
    family: str
    seed: int
    params: dict[str, float] = Field(default_factory=dict)
    status: Literal["ok", "diverged", "failed", "refused"] = "ok"  # refused: did not fit (the resource plan)
    diverged_at_step: int | None = None
    error: str | None = None
    steps_done: int = 0
    # Final metrics. Errors are MSE = mean (f - f*)^2 on the clean target; "_raw" variants are untruncated.
    metrics: dict[str, float] = Field(default_factory=dict)
    curves: dict[str, Curve] = Field(default_factory=dict)
    bounds: list[BoundValue] = Field(default_factory=list)
    wall_time_s: float = 0.0
    # A normalised teacher's Monte Carlo statistics (teacher_mean, teacher_sd, points, center); empty otherwise.
    target: dict[str, float] = Field(default_factory=dict)


class Environment(BaseModel):
    """What is needed to rerun: versions and device."""

    mlc_version: str
    python: str
    torch: str
    device: str
    device_name: str
    dtype: str
    platform: str
    command: str = ""


class ExperimentResult(BaseModel):
    problem: str
    spec_path: str
    spec_hash: str
    environment: Environment
    started_at: str
    wall_time_s: float = 0.0
    # Completeness: the runs the plan has, and whether all of them are here. "running" while training,
    # "interrupted" after a stop signal, "incomplete" after an error (store or disk), "complete" at the end.
    planned_runs: int = 0
    status: Literal["running", "complete", "interrupted", "incomplete"] = "complete"
    store: str = ""  # the results store the runs are kept in (see docs/store.md)
    runs: list[RunResult] = Field(default_factory=list)
    extras: dict[str, Any] = Field(default_factory=dict)  # e.g. infinite-width predictions, rate fits
