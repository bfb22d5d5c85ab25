"""Per-member bookkeeping shared by the trainers: record schedule, divergence, stopping rules.

Input:  the :class:`~mlc.compiler.ir.Train` settings, the number of members, per-step losses and metrics.
Output: per-member status (active, diverged step, steps done) and recorded curves.
Role:   make the autograd trainer and the fast trainer follow exactly the same rules:
  * step t means "after t updates"; at step t (t = 0, every, 2*every, ..., or t in the ``at`` points and 0) the
    metrics of theta_t are recorded, and the final state is recorded at the last step;
  * a member diverges at step t if its training loss at theta_t is NaN/inf or exceeds 1e6 times its loss at
    step 0; it is frozen there (later members keep training);
  * ``until metric < threshold``: checked whenever metrics are recorded (every step when nothing is recorded);
    a member that meets it is frozen at that step, the others continue until ``steps`` (= max_steps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from mlc.compiler.ir import Train

DIVERGENCE_FACTOR = 1e6


@dataclass
class Tracker:
    train: Train
    size: int
    active: list[bool] = field(default_factory=list)
    diverged_at: list[int | None] = field(default_factory=list)
    stopped_at: list[int | None] = field(default_factory=list)
    initial_loss: list[float | None] = field(default_factory=list)
    curves: list[dict[str, tuple[list[int], list[float]]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.active = [True] * self.size
        self.diverged_at = [None] * self.size
        self.stopped_at = [None] * self.size
        self.initial_loss = [None] * self.size
        self.curves = [{} for _ in range(self.size)]

    @property
    def steps(self) -> int:
        """The step budget (0 for a closed-form solve, which takes no steps)."""
        return self.train.steps if self.train.steps is not None else 0

    def any_active(self) -> bool:
        return any(self.active)

    def metrics_due(self, step: int) -> bool:
        """Whether metrics are measured at this step (for recording or for the stopping rule)."""
        record = self.train.record
        if record.recording and (step == 0 or record.due(step)):
            return True
        return self.train.stop is not None and not record.recording

    def cheap_stop(self) -> bool:
        """Whether the stopping rule is checked every step on a training-set metric, which the trainers then
        compute from the forward pass they already do (no extra measurement)."""
        stop = self.train.stop
        return (stop is not None and not self.train.record.recording
                and stop.metric in ("train_error", "train_error_raw", "train_loss"))

    def wanted_metrics(self) -> tuple[str, ...]:
        names = tuple(self.train.record.metrics)
        if self.train.stop is not None:
            names = names + (self.train.stop.metric,)
        return names

    def observe_metrics(self, step: int, metrics: list[dict[str, float]], final: bool = False) -> list[int]:
        """Record curves (active members) and apply the stopping rule; returns members stopped now."""
        schedule = self.train.record
        record = schedule.recording and (step == 0 or schedule.due(step) or final)
        stopped: list[int] = []
        for i, values in enumerate(metrics):
            if not self.active[i] and not final:
                continue
            if final and self.diverged_at[i] is not None:
                continue
            if record:
                self.record(i, step, values)
            stop = self.train.stop
            if stop is not None and not final and self.active[i]:
                value = _lookup(values, stop.metric)
                if value is not None and value < stop.threshold:
                    self.active[i] = False
                    self.stopped_at[i] = step
                    stopped.append(i)
        return stopped

    def record(self, i: int, step: int, values: dict[str, float]) -> None:
        for name in self.train.record.metrics:
            keys = [k for k in values if k.startswith("spectrum_k")] if name == "spectrum" else [name]
            for key in keys:
                if key in values:
                    steps, vals = self.curves[i].setdefault(key, ([], []))
                    if steps and steps[-1] == step:
                        continue
                    steps.append(step)
                    vals.append(values[key])

    def observe_loss(self, step: int, losses: torch.Tensor) -> list[int]:
        """Check divergence from the members' training losses at theta_step; returns members diverged now."""
        values = losses.detach().to("cpu", torch.float64).tolist()
        newly: list[int] = []
        for i, v in enumerate(values):
            if not self.active[i]:
                continue
            if self.initial_loss[i] is None:
                self.initial_loss[i] = v
            init = self.initial_loss[i]
            bad = math.isnan(v) or math.isinf(v)
            if not bad and init is not None and math.isfinite(init):
                bad = v > DIVERGENCE_FACTOR * max(init, 1e-30)
            if bad:
                self.active[i] = False
                self.diverged_at[i] = step
                newly.append(i)
        return newly

    def steps_done(self, i: int) -> int:
        if self.diverged_at[i] is not None:
            return self.diverged_at[i]  # type: ignore[return-value]
        if self.stopped_at[i] is not None:
            return self.stopped_at[i]  # type: ignore[return-value]
        return self.steps


def _lookup(values: dict[str, float], name: str) -> float | None:
    if name in values:
        return values[name]
    if name == "spectrum":
        spec = [v for k, v in values.items() if k.startswith("spectrum_k")]
        return max(spec) if spec else None
    return None
