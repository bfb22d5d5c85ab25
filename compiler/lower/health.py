"""What the measured numbers of a finished run say about the objective it minimised (torch-free).

Input:  the final metrics of one run (``compiler.lower.measure``: ``penalty_term``, ``penalty_term_init``,
        ``zero_predictor_mse``, ``constant_predictor_mse``, ``test_error``).
Output: short notes in words, empty when there is nothing to say; :func:`learned_nothing`, the one rule that
        says a run learned nothing (the report's tables, its exit summary and ``summary.json`` all read it).
Role:   say *why* a run that trained without diverging can still have learned nothing: a penalty
        lambda * c * ||theta|| (``Run.conventions.penalty_factor``) larger than the error of the zero predictor
        dominates the objective, and minimising it drives the weights, and so the predictor, to zero. This
        happens with the ResNet weighted path norm, which at a fixed initialisation grows with the width and
        tends to a large constant exp(3 E|U||W|) in the depth (REFERENCE §2.4), see docs/lowering.md, and with
        T5's own λ at small n.
"""

from __future__ import annotations

NO_BETTER = 0.95
"""A test error above this fraction of the best constant predictor's error (within 5 % of it, or worse) counts as
having learned nothing."""


def baseline(metrics: dict[str, float]) -> tuple[float, str] | None:
    """The error a predictor that ignores x already reaches on the test inputs, and its name: the best constant
    predictor's, E(f* − mean f*)² (``constant_predictor_mse``), or, for results stored before that was measured,
    the zero predictor's E f*² (``zero_predictor_mse``). ``None`` without either (a classifier), or when it is 0
    (a constant target: nothing to learn)."""
    for key, name in (("constant_predictor_mse", "the best constant predictor's"),
                      ("zero_predictor_mse", "the zero predictor's")):
        value = metrics.get(key)
        if value is not None:
            return (value, name) if value > 0 else None
    return None


def learned_nothing(metrics: dict[str, float]) -> str | None:
    """Why a run learned nothing (its test error is within 5 % of a predictor that ignores x, or above it), in
    words; ``None`` when it learned something or there is nothing to compare with."""
    base, test = baseline(metrics), metrics.get("test_error")
    if base is None or test is None or test < NO_BETTER * base[0]:
        return None
    zero = metrics.get("zero_predictor_mse")
    also = (f" (the zero predictor's: {zero:.3g})" if zero is not None and base[1] != "the zero predictor's"
            and zero > 1.01 * base[0] else "")  # a centred target: the two are the same number
    return f"test error {test:.3g} is no better than {base[1]} {base[0]:.3g}{also}: the net learned nothing"


def run_notes(metrics: dict[str, float]) -> list[str]:
    """Notes on a run's objective (see the module docstring)."""
    notes: list[str] = []
    zero = metrics.get("zero_predictor_mse")
    start = metrics.get("penalty_term_init")
    if zero is not None and zero > 0 and start is not None and start > zero:
        end = metrics.get("penalty_term")
        after = f", {end:.3g} after training" if end is not None else ""
        notes.append(f"the penalty λ·c·‖θ‖ is {start:.3g} at initialisation{after}: {start / zero:.3g}× the "
                     f"zero predictor's error {zero:.3g}, so it dominates the objective")
    nothing = learned_nothing(metrics)
    if nothing is not None:
        notes.append(nothing)
    return notes
