"""The functions of target formulas and the model activations: one table, every back end.

Input:  nothing (this module is data).
Output: :data:`FunctionName` (the names, a Literal the IR uses for ``Call.fn``), :data:`FUNCTIONS` (name ->
        :class:`TargetFunction`) and :data:`ACTIVATIONS` (activation name -> torch implementation).
Role:   the one place that says which functions a target may call and what each one means to each stage:
        its arity (checker), float folding (constant folding in the checker and the theory), torch (the
        lowering), sympy (the exact reference the other back ends are tested against), a sound interval
        enclosure, the second-order jet of the ridge rule (R), and the per-function Barron-norm rule
        (theory). A test checks that every function has every back end and that they agree.

Back ends that need a heavy library take the module as their first argument (``torch``, ``sympy``,
``numpy``), so importing this table imports none of them: ``mlc check`` never imports torch or sympy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce
from typing import Any, Callable, Literal, Sequence, get_args

FunctionName = Literal["relu", "tanh", "sigmoid", "exp", "log", "sin", "cos", "abs", "sqrt", "min", "max"]
"""Functions allowed in a target formula."""

ActivationName = Literal["relu", "tanh", "sigmoid", "identity"]
"""Activations of models and teachers (``mlc.compiler.ir.Activation``)."""

Range = tuple[float, float]
Jet = tuple[Any, Any, Any]  # numpy arrays (g, g', g'') on a grid
AffineForm = tuple[Any, float]  # (w: numpy vector, c) with u = w.x + c

_ALL: Range = (-math.inf, math.inf)


@dataclass(frozen=True)
class TargetFunction:
    """One target function and its implementation in every back end.

    * ``arity``: the number of arguments, or None for "two or more" (min, max).
    * ``fold(*floats) -> float``: exact float semantics (may raise ValueError / OverflowError).
    * ``torch(torch, *tensors)``, ``sympy(sympy, *exprs)``: the same function in those libraries.
    * ``interval(ranges) -> range``: a sound enclosure of the value over argument ranges.
    * ``jet(numpy, arg_jets) -> jet | str``: the jet (g, g', g'') of ``fn(args)`` from the jets of its
      arguments along a ridge, or the reason (a string) why it is not C^2 there.
    * ``barron(affine_forms) -> (value, why) | None``: the Barron-norm bound of ``fn`` applied to affine
      maps w.x + c on ||x||_inf <= 1 (REFERENCE §4), or None where the function has no such rule.
    """

    name: FunctionName
    arity: int | None
    fold: Callable[..., float]
    torch: Callable[..., Any]
    sympy: Callable[..., Any]
    interval: Callable[[Sequence[Range]], Range]
    jet: Callable[[Any, Sequence[Jet]], Jet | str]
    barron: Callable[[Sequence[AffineForm]], tuple[float, str] | None] | None = None


# ----------------------------------------------------------------------------------------------
# Float folding and intervals (pure Python)
# ----------------------------------------------------------------------------------------------


def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def _sigmoid_bound(v: float) -> float:
    """The sigmoid at an interval end point, which may be infinite or far out."""
    if v == -math.inf:
        return 0.0
    if v == math.inf:
        return 1.0
    if v < -700:
        return 0.0
    return 1.0 / (1.0 + math.exp(-v))


def _exp_bound(v: float) -> float:
    return math.inf if v > 700 else math.exp(v)


def _mono(f: Callable[[float], float]) -> Callable[[Sequence[Range]], Range]:
    """The enclosure of an increasing function: its values at the end points."""

    def enclose(args: Sequence[Range]) -> Range:
        lo, hi = args[0]
        try:
            return f(lo), f(hi)
        except (OverflowError, ValueError):
            return _ALL

    return enclose


def _positive_mono(f: Callable[[float], float], strict: bool) -> Callable[[Sequence[Range]], Range]:
    """An increasing function defined for x > 0 (``strict``) or x >= 0."""
    inner = _mono(f)

    def enclose(args: Sequence[Range]) -> Range:
        lo = args[0][0]
        if (lo <= 0) if strict else (lo < 0):
            return _ALL
        return inner(args)

    return enclose


def _abs_range(args: Sequence[Range]) -> Range:
    lo, hi = args[0]
    low = 0.0 if lo <= 0.0 <= hi else min(abs(lo), abs(hi))
    return low, max(abs(lo), abs(hi))


def _trig_range(fn: Callable[[float], float], shift: float) -> Callable[[Sequence[Range]], Range]:
    """sin (extrema at pi/2 + k pi, ``shift`` = pi/2) or cos (extrema at k pi, ``shift`` = 0)."""

    def enclose(args: Sequence[Range]) -> Range:
        lo, hi = args[0]
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo >= 2 * math.pi:
            return -1.0, 1.0
        vals = [fn(lo), fn(hi)]
        k = math.ceil((lo - shift) / math.pi)
        while shift + k * math.pi <= hi:
            vals.append(fn(shift + k * math.pi))
            k += 1
        return min(vals), max(vals)

    return enclose


# ----------------------------------------------------------------------------------------------
# Ridge jets (numpy, passed in)
# ----------------------------------------------------------------------------------------------


def _chain(profile: Callable[[Any, Any], Jet], positive: str | None = None) -> Callable[[Any, Sequence[Jet]], Jet | str]:
    """The jet of s(f) for a C^2 function s with derivatives ``profile(np, v) = (s, s', s'')`` (chain rule).
    ``positive`` is the reason to give when s is C^2 only where its argument is > 0."""

    def jet(np: Any, args: Sequence[Jet]) -> Jet | str:
        f, f1, f2 = args[0]
        if positive is not None and np.any(f <= 0):
            return positive
        with np.errstate(over="ignore", invalid="ignore"):
            p0, p1, p2 = profile(np, f)
        return p0, p1 * f1, p2 * f1 ** 2 + p1 * f2

    return jet


def _sig_np(np: Any, v: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-v))


def _kink(name: str, negative_slope: float) -> Callable[[Any, Sequence[Jet]], Jet | str]:
    """relu (slope 0 below 0) and abs (slope -1): C^2 along the ridge only if the argument keeps its sign."""

    def jet(np: Any, args: Sequence[Jet]) -> Jet | str:
        f, f1, f2 = args[0]
        if np.all(f >= 0):
            return f, f1, f2
        if np.all(f <= 0):
            if negative_slope == 0.0:
                return (np.zeros_like(f),) * 3
            return -f, -f1, -f2
        return f"{name} of a function that changes sign (a kink: not C^2)"

    return jet


def _branch(name: str, pick: Callable[..., Any]) -> Callable[[Any, Sequence[Jet]], Jet | str]:
    """min / max: C^2 along the ridge only if the same argument wins everywhere."""

    def jet(np: Any, args: Sequence[Jet]) -> Jet | str:
        vals = np.stack([j[0] for j in args])
        winner = pick(np)(vals, axis=0)
        if np.any(winner != winner[0]):
            return f"{name} switches branch on the domain (not C^2)"
        return args[int(winner[0])]

    return jet


# ----------------------------------------------------------------------------------------------
# Barron-norm rules on affine arguments (REFERENCE §4)
# ----------------------------------------------------------------------------------------------


def _g(v: float) -> str:
    return f"{v:.4g}"


def _l1(w: Any) -> float:
    return float(abs(w).sum())


def _relu_barron(forms: Sequence[AffineForm]) -> tuple[float, str]:
    (w, c), = forms
    if c + _l1(w) <= 0:  # w.x + c <= 0 on ||x||_inf <= 1: the neuron is the zero function
        return 0.0, f"σ(w.x + c) = 0 on the domain (c ≤ −‖w‖₁ = {_g(-_l1(w))}): 0 [§4]"
    v = _l1(w) + abs(c)
    return v, f"single neuron, ‖w‖₁ + |c| = {_g(v)} [§4, V-lec6]"


def _abs_barron(forms: Sequence[AffineForm]) -> tuple[float, str]:
    (w, c), = forms
    v = 2 * (_l1(w) + abs(c))
    return v, f"|u| = σ(u) + σ(−u): 2(‖w‖₁ + |c|) = {_g(v)} [§4, D]"


def _cos_barron(forms: Sequence[AffineForm]) -> tuple[float, str] | None:
    (w, c), = forms
    if c != 0:
        return None
    r = _l1(w)
    v = min(2 * r * r + 2, 1 + 3 * r * r)
    return v, f"cos(w·x) ≤ min(2r² + 2, 1 + 3r²), r = {_g(r)}: {_g(v)} [§4, D]"


def _sin_barron(forms: Sequence[AffineForm]) -> tuple[float, str] | None:
    (w, c), = forms
    if c != 0:
        return None
    r = _l1(w)
    v = 2 * r * r + 2 * r
    return v, f"sin(w·x) ≤ 2r² + 2r, r = {_g(r)}: {_g(v)} [§4, D]"


def _minmax_barron(name: str) -> Callable[[Sequence[AffineForm]], tuple[float, str] | None]:
    def rule(forms: Sequence[AffineForm]) -> tuple[float, str] | None:
        if len(forms) != 2:
            return None
        # max(u, v) = u + relu(v - u); min(u, v) = u - relu(u - v); either argument may be the base
        u, w = forms
        best = math.inf
        for base, oth in ((u, w), (w, u)):
            cost = 2 * _l1(base[0]) + abs(base[1]) + _l1(oth[0] - base[0]) + abs(oth[1] - base[1])
            best = min(best, cost)
        return best, f"{name}(u, v) = u ± σ(±(v − u)): {_g(best)} [D]"

    return rule


# ----------------------------------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------------------------------

_TABLE: tuple[TargetFunction, ...] = (
    TargetFunction(
        "relu", 1, fold=lambda v: max(v, 0.0), torch=lambda t, a: t.relu(a), sympy=lambda sp, a: sp.Max(a, 0),
        interval=lambda args: (max(args[0][0], 0.0), max(args[0][1], 0.0)),
        jet=_kink("relu", 0.0), barron=_relu_barron),
    TargetFunction(
        "tanh", 1, fold=math.tanh, torch=lambda t, a: t.tanh(a), sympy=lambda sp, a: sp.tanh(a),
        interval=_mono(math.tanh),
        jet=_chain(lambda np, v: (np.tanh(v), 1 - np.tanh(v) ** 2, -2 * np.tanh(v) * (1 - np.tanh(v) ** 2)))),
    TargetFunction(
        "sigmoid", 1, fold=_sigmoid, torch=lambda t, a: t.sigmoid(a), sympy=lambda sp, a: 1 / (1 + sp.exp(-a)),
        interval=lambda args: (_sigmoid_bound(args[0][0]), _sigmoid_bound(args[0][1])),
        jet=_chain(lambda np, v: (_sig_np(np, v), _sig_np(np, v) * (1 - _sig_np(np, v)),
                                  _sig_np(np, v) * (1 - _sig_np(np, v)) * (1 - 2 * _sig_np(np, v))))),
    TargetFunction(
        "exp", 1, fold=math.exp, torch=lambda t, a: t.exp(a), sympy=lambda sp, a: sp.exp(a),
        interval=_mono(_exp_bound), jet=_chain(lambda np, v: (np.exp(v), np.exp(v), np.exp(v)))),
    TargetFunction(
        "log", 1, fold=math.log, torch=lambda t, a: t.log(a), sympy=lambda sp, a: sp.log(a),
        interval=_positive_mono(math.log, strict=True),
        jet=_chain(lambda np, v: (np.log(v), 1 / v, -1 / v ** 2), positive="log of a function that reaches 0")),
    TargetFunction(
        "sin", 1, fold=math.sin, torch=lambda t, a: t.sin(a), sympy=lambda sp, a: sp.sin(a),
        interval=_trig_range(math.sin, math.pi / 2),
        jet=_chain(lambda np, v: (np.sin(v), np.cos(v), -np.sin(v))), barron=_sin_barron),
    TargetFunction(
        "cos", 1, fold=math.cos, torch=lambda t, a: t.cos(a), sympy=lambda sp, a: sp.cos(a),
        interval=_trig_range(math.cos, 0.0),
        jet=_chain(lambda np, v: (np.cos(v), -np.sin(v), -np.cos(v))), barron=_cos_barron),
    TargetFunction(
        "abs", 1, fold=abs, torch=lambda t, a: t.abs(a), sympy=lambda sp, a: sp.Abs(a),
        interval=_abs_range, jet=_kink("abs", -1.0), barron=_abs_barron),
    TargetFunction(
        "sqrt", 1, fold=math.sqrt, torch=lambda t, a: t.sqrt(a), sympy=lambda sp, a: sp.sqrt(a),
        interval=_positive_mono(math.sqrt, strict=False),
        jet=_chain(lambda np, v: (np.sqrt(v), 0.5 / np.sqrt(v), -0.25 * v ** -1.5),
                   positive="sqrt of a function that reaches 0 (not C^2 there)")),
    TargetFunction(
        "min", None, fold=lambda *a: min(a), torch=lambda t, *a: reduce(t.minimum, a),
        sympy=lambda sp, *a: sp.Min(*a),
        interval=lambda args: (min(r[0] for r in args), min(r[1] for r in args)),
        jet=_branch("min", lambda np: np.argmin), barron=_minmax_barron("min")),
    TargetFunction(
        "max", None, fold=lambda *a: max(a), torch=lambda t, *a: reduce(t.maximum, a),
        sympy=lambda sp, *a: sp.Max(*a),
        interval=lambda args: (max(r[0] for r in args), max(r[1] for r in args)),
        jet=_branch("max", lambda np: np.argmax), barron=_minmax_barron("max")),
)

FUNCTIONS: dict[str, TargetFunction] = {f.name: f for f in _TABLE}
"""Every target function by name, in the order of :data:`FunctionName`."""

ACTIVATIONS: dict[str, Callable[[Any, Any], Any]] = {
    **{name: FUNCTIONS[name].torch for name in get_args(ActivationName) if name in FUNCTIONS},
    "identity": lambda t, a: a,
}
"""The torch implementation ``(torch, tensor) -> tensor`` of every activation: the target functions of the
same name, and the identity."""

assert tuple(FUNCTIONS) == get_args(FunctionName), "the table and FunctionName list the same functions"
assert set(ACTIVATIONS) == set(get_args(ActivationName)), "every activation has an implementation"
