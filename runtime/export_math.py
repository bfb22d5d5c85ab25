"""The problem statement of a spec as mathematics (``mlc export --math``).

Input:  a compiled :class:`~mlc.compiler.ir.Plan` and the bounds report of :func:`mlc.runtime.cmd_bounds.build_report`.
Output: :class:`MathStatement`: LaTeX strings for the input law, the target (through sympy's LaTeX printer, from
        the sympy back end of :mod:`mlc.compiler.functions`), the space and its norm, the model, the loss, and
        the bounds that apply (theorem, title, citation, formula, value per configuration), computed by the
        theory engine; rendered as LaTeX (:func:`to_tex`), Markdown with ``$…$`` (:func:`to_markdown`) or HTML (:func:`to_html`).
Role:   the bridge from the IR to a paper. Nothing is parsed from text: the target is a walk over its IR, and
        every number comes from the plan or the theory engine. Imports sympy, never torch.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

from mlc.compiler import families, ir
from mlc.compiler.expr import ARITHMETIC
from mlc.compiler.functions import FUNCTIONS

# How the IR's closed vocabularies read in a paper. tests/test_export.py checks each vocabulary is covered
# (the keys are the IR's Literal values), so a new space or loss cannot go unrendered.
SPACE_TEX: dict[str, str] = {"barron": r"\mathcal{B}", "rkhs": r"\mathcal{H}_k", "flow": r"\mathcal{D}",
                             "multilayer": r"\mathcal{W}"}
LOSS_TEX: dict[str, str] = {
    "mse": r"\frac{1}{n}\sum_{i=1}^{n} \bigl(f(x_i) - y_i\bigr)^2",
    "half_mse": r"\frac{1}{2n}\sum_{i=1}^{n} \bigl(f(x_i) - y_i\bigr)^2",
    "logistic": r"\frac{1}{n}\sum_{i=1}^{n} \ln\bigl(1 + e^{-y_i f(x_i)}\bigr)",
}
PENALTY_TEX: dict[str, str] = {"none": "", "path_norm": r"\|\theta\|_{P}", "weighted_path_norm": r"\|\theta\|_{\mathcal{D}}",
                               "rkhs_norm": r"\|a\|_{2}", "weight_decay": r"\|\theta\|_2^2"}
INPUT_TEX: dict[str, str] = {"cube": r"\mathcal{U}\bigl([-1,1]^{%d}\bigr)", "sphere": r"\mathcal{U}\bigl(S^{%d-1}\bigr)",
                             "ball": r"\mathcal{U}\bigl(B^{%d}\bigr)", "gaussian": r"\mathcal{N}(0, \sigma^2 I_{%d})",
                             "grid": r"\mathrm{grid}\bigl([a,b]^{%d}\bigr)",
                             "file": r"\mathcal{U}\bigl(\mathrm{the\ points\ of\ a\ file}\bigr),\ x \in \mathbf{R}^{%d}",
                             "dataset": r"\mathcal{U}\bigl(\mathrm{the\ points\ of\ a\ data\ set}\bigr),\ x \in [0,1]^{%d}"}


class _Norm(sp.Function):
    """‖v‖_p of a vector expression, printed as such (sympy has no vector norm of a symbolic vector)."""

    def _latex(self, printer: LatexPrinter, exp: str | None = None) -> str:
        v, p = self.args
        sub = r"\infty" if p == sp.oo else printer._print(p)
        tex = rf"\left\|{printer._print(v)}\right\|_{{{sub}}}"
        return tex if exp is None else f"{tex}^{{{exp}}}"


class _Dot(sp.Function):
    """⟨u, v⟩ of two vector expressions."""

    def _latex(self, printer: LatexPrinter, exp: str | None = None) -> str:
        u, v = self.args
        tex = rf"\left\langle {printer._print(u)}, {printer._print(v)} \right\rangle"
        return tex if exp is None else f"{tex}^{{{exp}}}"


class _Vector(sp.Function):
    """A constant vector, printed as a row (a column would dominate the formula)."""

    def _latex(self, printer: LatexPrinter, exp: str | None = None) -> str:
        tex = r"\left(" + ", ".join(printer._print(a) for a in self.args) + r"\right)"
        return tex if exp is None else f"{tex}^{{{exp}}}"


def _number(v: float) -> sp.Expr:
    """A float as sympy shows it best: an integer, a short rational (0.5 -> 1/2), or the float."""
    if float(v).is_integer() and abs(v) < 1e15:
        return sp.Integer(int(v))
    rational = sp.Rational(v).limit_denominator(1000)
    return rational if math.isclose(float(rational), v, rel_tol=0, abs_tol=1e-12) else sp.Float(v, 6)


class ToSympy(ir.ExprVisitor[Any]):
    """A target formula as a symbolic sympy expression in the vector x (components x_i, 1-based)."""

    def __init__(self) -> None:
        self.x = sp.Symbol("x")
        self.xs = sp.IndexedBase("x")

    def visit_Num(self, e: ir.Num) -> Any:
        return _number(e.value)

    def visit_InputVar(self, e: ir.InputVar) -> Any:
        return self.x

    def visit_IndexVar(self, e: ir.IndexVar) -> Any:
        return sp.Symbol(e.name, integer=True)

    def visit_Component(self, e: ir.Component) -> Any:
        return self.xs[self.visit(e.index)]

    def visit_Vector(self, e: ir.Vector) -> Any:
        return _Vector(*(_number(v) for v in e.values))

    def visit_Neg(self, e: ir.Neg) -> Any:
        return -self.visit(e.arg)

    def visit_Binary(self, e: ir.Binary) -> Any:
        return ARITHMETIC[e.op](self.visit(e.left), self.visit(e.right))

    def visit_Call(self, e: ir.Call) -> Any:
        return FUNCTIONS[e.fn].sympy(sp, *(self.visit(a) for a in e.args))

    def visit_Norm(self, e: ir.Norm) -> Any:
        return _Norm(self.visit(e.arg), sp.oo if math.isinf(e.p) else _number(e.p))

    def visit_Dot(self, e: ir.Dot) -> Any:
        return _Dot(self.visit(e.left), self.visit(e.right))

    def visit_Sum(self, e: ir.Sum) -> Any:
        i = sp.Symbol(e.var, integer=True)
        return sp.Sum(self.visit(e.body), (i, e.lo, e.hi))


def target_latex(expr: ir.Expr) -> str:
    """The LaTeX of a target formula (sympy's printer; unevaluated, so the formula keeps its written shape)."""
    with sp.evaluate(False):
        symbolic = ToSympy().visit(expr)
    return str(sp.latex(symbolic, order="none"))


@dataclass
class BoundLine:
    """One theorem that applies, with its formula and the value in each configuration where it holds."""

    theorem: str
    title: str
    citation: str
    kind: str
    quantity: str
    latex: str
    values: list[tuple[str, float | None]] = field(default_factory=list)


@dataclass
class MathStatement:
    """The problem statement of one spec, as LaTeX fragments (math mode unless said otherwise)."""

    problem: str
    input: str
    target: str
    space: str
    norm: list[tuple[str, str]]  # (configuration, "‖f*‖ ≤ value (method)") as LaTeX
    model: str
    loss: str
    bounds: list[BoundLine]
    failed: list[tuple[str, str, str]]  # (theorem, title, first failing hypothesis): applies to none


def _tex_text(s: str) -> str:
    """Plain text for LaTeX's text mode (special characters escaped)."""
    out = s
    for ch, rep in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"),
                    ("_", r"\_"), ("{", r"\{"), ("}", r"\}"), ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}")):
        out = out.replace(ch, rep) if ch != "\\" else out.replace(ch, "\x00")
    return out.replace("\x00", r"\textbackslash{}")


UPPER_KINDS = ("upper", "upper_rate", "a_posteriori")  # bounds the quantity from above (as `mlc bounds` reads)
LOWER_KINDS = ("lower", "lower_rate")


def _relation(kind: str) -> str:
    return r"\le" if kind in UPPER_KINDS else r"\ge" if kind in LOWER_KINDS else r"\approx"


def _g(v: float | None) -> str:
    if v is None:
        return "—"
    if not math.isfinite(v):
        return r"\infty" if v > 0 else r"-\infty"
    mantissa, _, exponent = f"{v:.3g}".partition("e")
    return mantissa if not exponent else rf"{mantissa}\times 10^{{{int(exponent)}}}"


def _config(params: dict[str, float]) -> str:
    return ", ".join(f"{_tex_text(k)} = {v:g}" for k, v in params.items()) or "all runs"


def _values(plan: ir.Plan, field_name: str) -> str:
    """``= 64`` for a model field with one value in the plan, ``\\in \\{8, 32\\}`` for a swept one."""
    values = sorted({getattr(r.model, field_name) for r in plan.runs})
    if len(values) == 1:
        return f"= {values[0]}"
    return r"\in \{" + ", ".join(str(v) for v in values) + r"\}"


def statement(plan: ir.Plan, report: dict[str, Any]) -> MathStatement:
    """The statement of ``plan``; ``report`` is ``build_report(plan, ...)`` (the theory engine's evaluation)."""
    run = plan.runs[0]
    dim = run.input.dim
    input_tex = "x \\sim " + (INPUT_TEX[run.input.kind] % dim)
    if isinstance(run.target, ir.FormulaTarget):
        target = "f^*(x) = " + target_latex(run.target.expr)
    elif isinstance(run.target, ir.LabelsTarget):
        target = r"f^*(x) = \pm 1\quad\text{(the label of the point)}"
    else:
        t = run.target
        target = (rf"f^*(x) = \frac{{1}}{{{t.width}}}\sum_{{j=1}}^{{{t.width}}} a_j\,"
                  rf"\mathrm{{{_tex_text(t.activation)}}}(w_j\cdot x{' + c_j' if t.bias else ''})"
                  rf"\quad\text{{(a two-layer teacher, seed {t.seed})}}")
    space = "f^* \\in " + SPACE_TEX[run.space.kind] + (f"_{{{run.space.depth}}}" if run.space.depth else "")
    by_line: dict[str, list[str]] = {}
    for g in report["groups"]:
        n = g["norm"]
        if n["value"] is not None:
            line = rf"\|f^*\|_{{{SPACE_TEX[n['space']]}}} \le {_g(n['value'])}\ \text{{({_tex_text(n['method'])})}}"
            by_line.setdefault(line, []).append(_config(g["params"]))
    norms = [("all configurations" if len(by_line) == 1 and len(cfgs) == len(report["groups"]) else "; ".join(cfgs),
              line) for line, cfgs in by_line.items()]
    m = run.model
    model = (rf"\text{{{_tex_text(m.name)}}} = \text{{{_tex_text(m.family)}}}(m {_values(plan, 'width')}"
             + (f", L {_values(plan, 'depth')}" if "depth" in families.get(m.family).settings else "")
             + rf", \sigma = \mathrm{{{_tex_text(m.activation)}}}, \text{{{_tex_text(m.scaling)} scaling}})")
    tr = run.train
    loss = r"\widehat{\mathcal{L}}(\theta) = " + LOSS_TEX[tr.loss]
    if tr.penalty.kind != "none":
        loss += rf" + \lambda\,{PENALTY_TEX[tr.penalty.kind]},\quad \lambda = {_g(tr.penalty.lam)}"
    bounds: dict[str, BoundLine] = {}
    failing: dict[str, tuple[str, str, str]] = {}
    for g in report["groups"]:
        for th in g["theorems"]:
            if not th["holds"]:
                failing.setdefault(th["theorem"], (th["theorem"], th["title"], "; ".join(
                    h["message"] or h["name"] for h in th["hypotheses"] if not h["ok"])))
                continue
            key = th["theorem"] + th["quantity"] + th["latex"]  # T19 gives two predictions per configuration
            bound = bounds.setdefault(key, BoundLine(th["theorem"], th["title"], th["citation"], th["kind"],
                                                     th["quantity"], th["latex"]))
            bound.values.append((_config(g["params"]), th["value"]))
    held = {b.theorem for b in bounds.values()}
    failed = [f for name, f in failing.items() if name not in held]
    return MathStatement(plan.problem, input_tex, target, space, norms, model, loss, list(bounds.values()), failed)


def to_tex(s: MathStatement) -> str:
    """The statement as a LaTeX fragment (needs amsmath; no other package)."""
    out = [rf"\paragraph{{Problem \texttt{{{_tex_text(s.problem)}}}.}}", r"\begin{align*}",
           rf"  &{s.input}, \qquad {s.target},\\", rf"  &{s.space}, \qquad {s.model},\\",
           rf"  &{s.loss}.", r"\end{align*}"]
    if s.norm:
        out.append("Target norm: " + "; ".join(f"${line}$ ({cfg})" for cfg, line in s.norm) + ".")
    if s.bounds:
        out += ["", r"\noindent Bounds that apply (theory engine):", r"\begin{itemize}"]
        for b in s.bounds:
            values = "; ".join(f"{cfg}: ${_g(v)}$" for cfg, v in b.values if v is not None)
            formula = (rf" $\displaystyle \mathrm{{{_tex_text(b.quantity)}}} {_relation(b.kind)} {b.latex}$"
                       if b.latex else "")
            out.append(rf"  \item \textbf{{{_tex_text(b.theorem)}}} {_tex_text(b.title)} "
                       rf"({_tex_text(b.kind.replace('_', ' '))}; {_tex_text(b.citation)}).{formula}"
                       + (f" Values: {values}." if values else ""))
        out.append(r"\end{itemize}")
    if s.failed:
        out.append(r"\noindent Not applicable: " + "; ".join(
            rf"\textbf{{{_tex_text(t)}}} ({_tex_text(why)})" for t, _, why in s.failed) + ".")
    return "\n".join(out) + "\n"


def to_markdown(s: MathStatement) -> str:
    """The statement as Markdown with ``$…$`` and ``$$…$$`` math (pandoc, GitHub, MathJax)."""
    out = [f"**Problem `{s.problem}`.**", "", "$$", rf"\begin{{aligned}}&{s.input}, \qquad {s.target},\\",
           rf"&{s.space}, \qquad {s.model},\\ &{s.loss}\end{{aligned}}", "$$", ""]
    if s.norm:
        out += ["Target norm: " + "; ".join(f"${line}$ ({cfg})" for cfg, line in s.norm) + ".", ""]
    if s.bounds:
        out.append("Bounds that apply (theory engine):")
        out.append("")
        for b in s.bounds:
            values = "; ".join(f"{cfg}: ${_g(v)}$" for cfg, v in b.values if v is not None)
            quantity = b.quantity.replace("_", r"\_")
            formula = rf" $$\mathrm{{{quantity}}} {_relation(b.kind)} {b.latex}$$" if b.latex else ""
            out.append(f"- **{b.theorem}** {b.title} ({b.kind.replace('_', ' ')}; {b.citation}).{formula}"
                       + (f" Values: {values}." if values else ""))
        out.append("")
    if s.failed:
        out += ["Not applicable: " + "; ".join(f"**{t}** ({why})" for t, _, why in s.failed) + ".", ""]
    return "\n".join(out)


def to_html(s: MathStatement) -> str:
    """The statement as HTML with ``\\(…\\)`` and ``\\[…\\]`` math (MathJax or KaTeX typesets it)."""
    def esc(t: str) -> str:
        return html.escape(t, quote=False)

    out = ['<div class="mlc-math">', f"<p><strong>Problem <code>{esc(s.problem)}</code>.</strong></p>",
           esc(rf"\[\begin{{aligned}}&{s.input}, \qquad {s.target},\\ &{s.space}, \qquad {s.model},\\ "
               rf"&{s.loss}\end{{aligned}}\]")]
    if s.norm:
        out.append("<p>Target norm: " + "; ".join(esc(rf"\({line}\) ({cfg})") for cfg, line in s.norm) + ".</p>")
    if s.bounds:
        out.append("<p>Bounds that apply (theory engine):</p>\n<ul>")
        for b in s.bounds:
            values = "; ".join(esc(rf"{cfg}: \({_g(v)}\)") for cfg, v in b.values if v is not None)
            quantity = b.quantity.replace("_", r"\_")
            formula = esc(rf" \[\mathrm{{{quantity}}} {_relation(b.kind)} {b.latex}\]") if b.latex else ""
            out.append(f"<li><strong>{esc(b.theorem)}</strong> {esc(b.title)} ({esc(b.kind.replace('_', ' '))}; "
                       f"{esc(b.citation)}).{formula}" + (f" Values: {values}." if values else "") + "</li>")
        out.append("</ul>")
    if s.failed:
        out.append("<p>Not applicable: " + "; ".join(f"<strong>{esc(t)}</strong> ({esc(why)})" for t, _, why in s.failed)
                   + ".</p>")
    return "\n".join(out) + "\n</div>\n"
