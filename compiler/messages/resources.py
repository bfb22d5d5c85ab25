"""Message kinds of the resource plan: a plan or a run that does not fit the machine or the limits.

These come from comparing the plan's estimate (``compiler.resources``) with the machine, not from the spec
alone, so ``mlc check`` never gives them and their goldens live in tests/test_resources.py. See
:mod:`mlc.compiler.messages` for the catalogue's conventions.
"""

from __future__ import annotations

from mlc.dsl.diagnostics import Span
from mlc.compiler.messages.registry import Parts, message_kind

__all__ = ["run_too_big", "plan_too_big", "plan_too_slow", "plan_needs_yes", "theory_too_big"]


def _at(setting: str, span: Span | None) -> str:
    return f": `{setting}` at line {span.line}" if setting and span is not None else ""


@message_kind("E401")
def run_too_big(run: str, needs: str, limit: str, setting: str, span: Span | None, others: bool) -> Parts:
    return (f"{run} needs {needs}; {limit}{_at(setting, span)}", span,
            f"this run is not trained (it is recorded as refused){'; the others train' if others else ''}; make "
            "it smaller, or give --max-memory if the estimate is wrong")


@message_kind("E401")
def plan_too_big(what: str, needs: str, limit: str, setting: str, span: Span | None) -> Parts:
    return (f"{what} needs {needs}; {limit}{_at(setting, span)}", span,
            "nothing was allocated; make it smaller (or sweep fewer values), or give --max-memory if the "
            "estimate is wrong")


@message_kind("E401")
def plan_too_slow(what: str, takes: str, limit: str, setting: str, span: Span | None) -> Parts:
    return (f"{what} is expected to take {takes}; {limit}{_at(setting, span)}", span,
            "nothing was trained; make it smaller, or raise --max-time")


@message_kind("E401")
def plan_needs_yes(what: str, cost: str, threshold: str, setting: str, span: Span | None) -> Parts:
    return (f"{what} {cost}, more than the {threshold} that starts without asking{_at(setting, span)}", span,
            "pass --yes to start it anyway (or --max-time to set your own limit)")


@message_kind("E401")
def theory_too_big(needs: str, limit: str, setting: str, span: Span | None) -> Parts:
    return (f"the theory's evaluation of the target needs {needs}; {limit}{_at(setting, span)}", span,
            "its norm rules hold vectors of d numbers (and a norm estimate fits a net on 1000 samples of them); "
            "lower the input dimension")
