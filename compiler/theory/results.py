"""Typed results of the theory engine.

Input:  nothing (data model only).
Output: :class:`BoundValue` (one theorem evaluated for one run, with the status of each hypothesis) and
        :class:`RateComparison` (a measured log-log slope against a predicted exponent).
Role:   the contract between ``compiler.theory`` (which produces these) and the runtime (which stores them
        in ``results.json`` and renders them). The predicted exponents themselves are part of the plan:
        :class:`mlc.compiler.ir.RatePrediction`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, computed_field

BoundKind = Literal["upper", "upper_rate", "lower", "lower_rate", "a_posteriori", "prediction"]


class HypothesisCheck(BaseModel):
    """One hypothesis of a theorem checked on one run: ``message`` says why it fails (None if it holds)."""

    name: str
    ok: bool
    message: str | None = None


class BoundValue(BaseModel):
    """One theorem evaluated for one run (see ``compiler.theory.evaluate_run_bounds``)."""

    theorem: str  # e.g. "T5"
    title: str
    citation: str
    kind: BoundKind
    holds: bool
    hypotheses: list[HypothesisCheck] = Field(default_factory=list)
    quantity: str = "test_error"  # which measured metric it bounds, in the same normalisation
    value: float | None = None
    latex: str = ""
    text: str = ""
    unverified: bool = False
    note: str = ""
    trivial: float | None = None  # the trivial bound when ``value`` exceeds it (the bound is vacuous), else None

    @property
    def shown(self) -> float | None:
        """The value the report shows and ``runs.csv`` stores: ``value`` clipped at the trivial bound (REFERENCE
        §7: "clip absolute bounds at the trivial value"); ``value`` itself stays the theorem's formula."""
        if self.value is None or self.trivial is None:
            return self.value
        return min(self.value, self.trivial)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def failing(self) -> list[str]:
        """The failure messages of the hypotheses that fail, in order."""
        return [h.message or h.name for h in self.hypotheses if not h.ok]


class RateComparison(BaseModel):
    """A fitted slope ``(fitted, interval)`` against a predicted exponent: whether they agree, and why."""

    agree: bool
    predicted: float
    fitted: float
    interval: tuple[float, float]
    theorem: str
    message: str
