"""The theory engine: which theorems apply to a run, their hypotheses, formulas and values.

Input:  a resolved :class:`~mlc.compiler.ir.Run` (and its :class:`~mlc.compiler.ir.Plan`), optionally the
        trained metrics of the run.
Output: :class:`~mlc.compiler.theory.results.BoundValue` objects, one per relevant theorem.
Role:   the public face of ``catalog`` (theorems), ``norms`` (target norms), ``kernels`` (infinite-width
        predictions), ``rates`` (predicted exponents, computed into the plan, and log-log fits). This
        package module imports none of them at import time, so that the front end can compute the
        plan's rates (``rates`` needs only numpy) without loading sympy.

Metric keys understood in ``metrics`` (all optional):
  * ``path_norm``: trained path norm sum_k |a_k|(||b_k||_1 + |c_k|) of the function, scale included (T4);
  * ``weighted_path_norm``: trained weighted path norm of a ResNet (T12 a posteriori);
  * ``kernel_lambda_min``: smallest eigenvalue of the kernel Gram matrix k(x_i, x_j)/n (T9e, T10);
  * ``rf_lambda_min`` (or ``lambda_min`` for random features, the lowering's name): smallest nonzero
    eigenvalue of Phi^T Phi / n of the drawn features (T18);
  * ``steps_done``: steps actually taken (used for the time t = lr × steps_done when present).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlc.compiler import ir

if TYPE_CHECKING:
    from mlc.compiler.theory.norm_cache import NormCache
    from mlc.compiler.theory.norms import NormEstimate
    from mlc.compiler.theory.results import BoundValue

__all__ = ["evaluate_run_bounds"]  # BoundValue is mlc.compiler.theory.results's (imported when bounds are evaluated)


def evaluate_run_bounds(run: ir.Run, plan: ir.Plan | None = None, metrics: dict[str, float] | None = None,
                        *, delta: float | None = None, norm: NormEstimate | None = None,
                        norms: NormCache | None = None) -> list[BoundValue]:
    """Every relevant theorem evaluated for ``run``, with the status of each of its hypotheses.

    ``delta`` defaults to the plan's ``report.delta`` (0.05 without a plan). The target's norm is ``norm`` if
    given, else taken from ``norms``, the caller's :class:`~mlc.compiler.theory.norm_cache.NormCache` (one
    per plan, so that runs sharing a target pay once; its estimator, if any, fits norms that no rule gives:
    the commands build it with :func:`mlc.compiler.lower.norm_fit.norm_cache`), else inferred for this call
    from the rules and declarations only (the theory cannot fit: that samples the target). With ``steps_done`` in
    ``metrics`` the time t uses the steps actually taken. This is the only place where the catalog is
    evaluated on a run (``mlc bounds`` and the executor both call it).
    """
    from mlc.compiler.theory.catalog import CATALOG
    from mlc.compiler.theory.context import Context
    from mlc.compiler.theory.norm_cache import NormCache
    from mlc.compiler.theory.results import BoundValue, HypothesisCheck

    if delta is None:
        delta = plan.report.delta if plan is not None else 0.05
    if norm is None:
        norm = (norms if norms is not None else NormCache(estimator=None)).get(run)
    metrics = dict(metrics or {})
    if "lambda_min" in metrics and "rf_lambda_min" not in metrics:  # measured only for a family that defines it
        metrics["rf_lambda_min"] = metrics["lambda_min"]  # the lowering's name (mlc.compiler.lower.measure)
    if "steps_done" in metrics and metrics["steps_done"] > 0:
        run = run.model_copy(update={"train": run.train.model_copy(update={"steps": int(metrics["steps_done"])})})
    context = Context(run=run, norm=norm, metrics=metrics, delta=float(delta))
    out: list[BoundValue] = []
    for theorem in CATALOG:
        if not theorem.applies_to(context):
            continue
        status = theorem.hypothesis_status(context)
        fields = theorem.evaluate(context, status)
        fields.pop("failing")  # derived from the hypotheses by BoundValue
        checks = [HypothesisCheck(name=name, ok=msg is None, message=msg) for name, msg in status]
        out.append(BoundValue(**fields, hypotheses=checks))
    return out
