"""Upper bounds on the target's norm in the declared function space, with a step-by-step derivation.

Input:  a :class:`~mlc.compiler.ir.Run` (its target, input distribution and space).
Output: :class:`NormEstimate` (space, value, method "derived" | "declared" | "estimated" | "none", steps,
        warnings).
Role:   supplies Q (REFERENCE §3 notation) to every theorem of ``catalog``. Rules (REFERENCE §4) are applied
        on the formula IR (``barron``: structural and per-function rules; ``ridge``: formula (R)); nothing
        is ever assumed silently: with no rule and no declaration the method is "none" and the message says
        what to declare.

Rules (Barron norm, domain ||x||_inf <= 1):
  * constant c: |c| (c·σ(0·x + 1));  affine w.x + c: 2||w||_1 + |c|;
  * sums and scalar multiples: triangle inequality;
  * relu(w.x + c): ||w||_1 + |c|;  abs(w.x + c): 2(||w||_1 + |c|);  max/min of two affine maps;
  * product of two affine maps: polarisation uv = ((u+v)^2 - (u-v)^2)/4;
  * cos(w.x) <= min(2r^2 + 2, 1 + 3r^2), sin(w.x) <= 2r^2 + 2r (r = ||w||_1);
  * Gaussian e^c exp(-||x||^2/(2 s^2)): e^c (3γ + 1), γ = (d + (2/π) d(d-1))/s^2;
  * ||x||_2 <= 2d;  ||x||_1 <= 2d;  ||x||_2^2 <= 6d;
  * any C^2 ridge function g(w.x): formula (R), |g(0)| + 2|g'(0)| + ∫_{-1}^{1} |g''(t)|(1+|t|) dt with
    g written in u = ŵ.x, ||ŵ||_1 = 1 (second derivatives by forward-mode jets, fixed Gauss–Legendre rule);
  * teacher networks: the path norm sum_k |a_k|(||b_k||_1 + |c_k|) (ReLU), per-neuron (R) otherwise.
Where several rules apply, the smallest bound is kept and the derivation says so.
Flow space: ||f||_{D_2} <= sqrt(d+1) ||f||_B (REFERENCE §2.4). Multilayer: W^1 = B ⊂ W^L, and we use
||f||_{W^L} <= ||f||_B [M, unverified].
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, Field

from mlc.compiler import ir
from mlc.compiler.theory.barron import BarronDeriver
from mlc.compiler.theory.derivation import Derivation, fmt as _g, l1 as _l1
from mlc.compiler.theory.derivation import NoRule as NoRule  # raised by barron_norm_bound: part of this API
from mlc.compiler.theory.ridge import ridge_bound

if TYPE_CHECKING:
    from mlc.compiler.theory.estimate import NormEstimator

Method = Literal["derived", "declared", "estimated", "none"]


class NormEstimate(BaseModel):
    """The norm of f* used by the bounds. ``value`` is None when method == "none"."""

    space: str
    value: float | None = None
    method: Method = "none"
    steps: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    derived_value: float | None = None  # what the rules derived, also when a declaration is used
    unverified: bool = False  # true when a step rests on an [M] item of the REFERENCE


# ----------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------


def domain_reason(dist: ir.InputDist) -> str | None:
    """None if the rules' domain assumption ||x||_inf <= 1 holds for this input, else why not."""
    bound = dist.sup_norm_bound
    if bound <= 1.0:
        return None
    if dist.kind == "gaussian":
        return "the norm rules hold on ‖x‖_∞ ≤ 1; gaussian inputs are unbounded"
    return f"the norm rules hold on ‖x‖_∞ ≤ 1; this {dist.kind} input reaches ‖x‖_∞ = {_g(bound)}"


def barron_norm_bound(target: ir.Target, dist: ir.InputDist) -> Derivation:
    """A rule-derived upper bound on ||f*||_B; raises :class:`NoRule` (with the reason) when none applies."""
    reason = domain_reason(dist)
    if reason is not None:
        raise NoRule(reason)
    d = dist.dim
    if isinstance(target, ir.TeacherTarget):
        return _teacher_bound(target, dist)
    if isinstance(target, ir.LabelsTarget):
        raise NoRule("the labels of a data set have no formula to derive a norm from")
    return BarronDeriver(d).bound(target.expr)


def _teacher_bound(t: ir.TeacherTarget, dist: ir.InputDist) -> Derivation:
    from mlc.compiler.theory.teacher import teacher_network

    d = dist.dim
    w = teacher_network(t, dist)
    a, b, c = (w[k].numpy() for k in ("a", "b", "c"))
    a0 = abs(float(w["a0"]))  # the constant of a centred normalisation: one unit a0·relu(0·x + 1), norm |a0|
    desc = f"teacher two_layer(width = {t.width}, activation = {t.activation}, seed = {t.seed})"
    if t.normalize is not None:
        desc += f" normalised to unit sd under the input law ({t.normalize.points} Monte Carlo points)"
    if t.activation == "relu":
        v = float(np.sum(np.abs(a) * (np.abs(b).sum(axis=1) + np.abs(c)))) + a0
        return Derivation(v, [f"{desc}: weights drawn as the lowering does (mlc.compiler.theory.teacher); "
                              f"path norm Σ|a_k|(‖b_k‖₁ + |c_k|) + |a0| = {_g(v)} ≥ ‖f*‖_B [V-lec6]"])
    if t.activation == "identity":
        wv, cv = (a[:, None] * b).sum(axis=0), float((a * c).sum()) + float(w["a0"])
        v = 2 * _l1(wv) + abs(cv)
        return Derivation(v, [f"{desc}: an affine map w·x + c, 2‖w‖₁ + |c| = {_g(v)} [§4, D]"])
    total = a0
    for k in range(t.width):
        neuron = ir.Call(fn=t.activation, args=(ir.Binary(
            op="+", left=ir.Dot(left=ir.Vector(values=tuple(float(v) for v in b[k])), right=ir.InputVar()),
            right=ir.Num(value=float(c[k]))),))
        total += abs(float(a[k])) * ridge_bound(neuron, d).value
    return Derivation(total, [f"{desc}: Σ_k |a_k| · (R)-bound of {t.activation}(b_k·x + c_k) = {_g(total)} [§4, D]"])


def infer_norm(run: ir.Run, *, estimator: NormEstimator | None = None) -> NormEstimate:
    """The norm of the run's target in its declared space (see the module docstring).

    Precedence: a declared ``norm <= Q`` is used as is (with a warning if the rules derive a larger upper
    bound, since the declaration is then not verified); else the rule-derived bound; else, only when an
    ``estimator`` is given (see :mod:`mlc.compiler.theory.estimate`), its numerical estimate; else method
    "none" with a message.
    """
    space = run.space
    d = run.input.dim
    steps: list[str] = []
    warnings: list[str] = []
    derived: float | None = None
    unverified = False
    reason = ""
    try:
        if space.kind == "rkhs":
            raise NoRule(_rkhs_reason(run))
        der = barron_norm_bound(run.target, run.input)
        steps += der.steps
        derived = der.value
        if space.kind == "flow":
            derived = math.sqrt(d + 1) * der.value
            steps.append(f"flow space: B ⊂ D₂ with ‖f‖_D₂ ≤ √(d+1)‖f‖_B = √{d + 1}·{_g(der.value)} = {_g(derived)} "
                         f"[§2.4, V-slides#36]")
        elif space.kind == "multilayer":
            unverified = True
            steps.append(f"multilayer space: W¹ = B ⊂ W^L, using ‖f‖_W^L ≤ ‖f‖_B = {_g(derived)} "
                         f"[§2.5, M: unverified constant]")
        else:
            steps.append(f"‖f*‖_B ≤ {_g(derived)}")
    except NoRule as exc:
        reason = str(exc)
    if space.norm_bound is not None:
        q = float(space.norm_bound)
        if derived is not None and q < derived:
            warnings.append(f"the declared norm {_g(q)} is below the rule-derived upper bound {_g(derived)}; the rules "
                            "only give upper bounds, so the declaration may be right, but mlc cannot verify it")
        steps.append(f"declared: norm ≤ {_g(q)} (used)")
        return NormEstimate(space=space.kind, value=q, method="declared", steps=steps, warnings=warnings,
                            derived_value=derived, unverified=unverified)
    if derived is not None:
        return NormEstimate(space=space.kind, value=derived, method="derived", steps=steps, warnings=warnings,
                            derived_value=derived, unverified=unverified)
    inside_unit_cube = run.input.sup_norm_bound <= 1.0
    if estimator is not None and not inside_unit_cube:
        # Every norm of the catalog is defined on ||x||_inf <= 1 and so is every theorem that uses it: a
        # fitted estimate on this domain would feed nothing, so it is not computed.
        reason = (reason + "; " if reason else "") + (
            f"no estimate either: the input ({run.input.kind}) leaves ‖x‖_∞ ≤ 1, where the norms and "
            "theorems are defined")
        estimator = None
    if estimator is not None:
        fitted = estimator.estimate(run)
        return NormEstimate(space=space.kind, value=fitted.value, method="estimated",
                            steps=[reason, *fitted.steps], warnings=["estimated numerically, not a proven bound"])
    return NormEstimate(space=space.kind, value=None, method="none",
                        steps=[reason, "no norm: declare `norm <= Q` in the space (e.g. "
                               f"`space {space.kind}(norm <= 3)`)" + (" or ask for an estimate (--estimate-norm)"
                                                                   if inside_unit_cube else "")])


def _rkhs_reason(run: ir.Run) -> str:
    if isinstance(run.target, ir.TeacherTarget) and run.target.activation == "relu":
        return ("a finite ReLU teacher is not in the random-feature RKHS (its norm is +∞ unless π has atoms at the "
                "teacher's weights; T6)")
    return "no rule derives RKHS norms from a formula"
