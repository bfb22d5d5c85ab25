"""What the measured numbers of a finished run say about the objective it minimised (torch-free).

Input:  the final metrics of one run (``compiler.lower.measure``: ``penalty_term``, ``penalty_term_init``,
        ``zero_predictor_mse``, ``test_error``).
Output: short notes in words, empty when there is nothing to say.
Role:   say *why* a run that trained without diverging can still have learned nothing: a penalty
        lambda * c * ||theta|| (``Run.conventions.penalty_factor``) larger than the error of the zero predictor
        dominates the objective, and minimising it drives the weights, and so the predictor, to zero. This
        happens with the ResNet weighted path norm, which at a fixed initialisation grows with the width and
        tends to a large constant exp(3 E|U||W|) in the depth (REFERENCE §2.4), see docs/lowering.md.
"""

from __future__ import annotations

NO_BETTER = 0.9
"""A test error above this fraction of the zero predictor's error counts as having learned nothing."""


def run_notes(metrics: dict[str, float]) -> list[str]:
    """Notes on a run's objective (see the module docstring)."""
    notes: list[str] = []
    zero = metrics.get("zero_predictor_mse")
    if zero is None or zero <= 0:
        return notes
    start = metrics.get("penalty_term_init")
    if start is not None and start > zero:
        end = metrics.get("penalty_term")
        after = f", {end:.3g} after training" if end is not None else ""
        notes.append(f"the penalty λ·c·‖θ‖ is {start:.3g} at initialisation{after}: {start / zero:.3g}× the "
                     f"zero predictor's error {zero:.3g}, so it dominates the objective")
    test = metrics.get("test_error")
    if test is not None and test >= NO_BETTER * zero:
        notes.append(f"test error {test:.3g} is no better than the zero predictor's {zero:.3g}: "
                     "the net learned nothing")
    return notes
