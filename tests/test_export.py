"""``mlc export``: highlighted LaTeX, Markdown and HTML, and the problem statement as mathematics.

Input:  the shipped specs, small specs written here, and a real pdflatex (tests/paper_helpers.py).
Output: test failures.
Role:   every rendering table covers its IR vocabulary; the target goes through sympy's LaTeX printer and means
        what the formula means; the bounds in ``--math`` are the theory engine's (values compared with
        ``build_report``); every shipped spec exports to LaTeX that plain pdflatex compiles, and the PDF's text
        has the spec and the bounds; errors are diagnostics with exit codes; export imports no torch.
"""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

import pytest

from mlc.compiler import ir
from mlc.compiler.pipeline import compile_path
from mlc.runtime.cli import main
from mlc.runtime.cmd_bounds import build_report
from mlc.runtime.cmd_export import UNICODE_TEX, fenced_md, highlight_html, highlight_tex, sty_text, tex_safe
from mlc.runtime.export_math import INPUT_TEX, LOSS_TEX, PENALTY_TEX, SPACE_TEX, _g, statement, target_latex
from paper_helpers import pdf_text, pdflatex

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted((ROOT / "specs").glob("*.ml"))
QUICKSTART = ROOT / "specs" / "quickstart.ml"


def test_every_vocabulary_has_a_rendering() -> None:
    assert set(SPACE_TEX) == set(typing.get_args(ir.Space.model_fields["kind"].annotation))
    assert set(LOSS_TEX) == set(typing.get_args(ir.Loss))
    assert set(PENALTY_TEX) == set(typing.get_args(ir.PenaltyKind))
    assert set(INPUT_TEX) == set(typing.get_args(ir.InputKind))


def _target(spec_target: str, d: int = 3) -> ir.Expr:
    text = (f"problem p\nlet d = {d}\ninput x ~ uniform(cube(d))\ntarget f*(x) = {spec_target}\nspace barron\n"
            "model net = two_layer(width = 8)\ntrain net { optimizer = gd(lr = 0.1) steps = 10 }\n")
    from mlc.compiler.pipeline import compile_text

    outcome = compile_text(text, "t.ml")
    assert outcome.plan is not None, outcome.rendered
    target = outcome.plan.runs[0].target
    assert isinstance(target, ir.FormulaTarget)
    return target.expr


@pytest.mark.parametrize("formula, latex", [
    ("exp(-norm(x)^2)", r"e^{- \left\|x\right\|_{2}^{2}}"),
    ("relu(x[1] - x[2]) / 4", r"\frac{\max\left(0, {x}_{1} - {x}_{2}\right)}{4}"),
    ("sum(i in 1..d, x[i]^2)", r"\sum_{i=1}^{3}"),
    ("tanh(dot([1, 0.5, 0], x))", r"\left\langle \left(1, \frac{1}{2}, 0\right), x \right\rangle"),
    ("norm(x, 1) + sin(3 * x[1])", r"\left\|x\right\|_{1}"),
])
def test_target_through_sympys_latex_printer(formula: str, latex: str) -> None:
    assert latex in target_latex(_target(formula))


def test_math_statement_holds_the_theory_engines_bounds() -> None:
    plan = compile_path(str(QUICKSTART)).plan
    assert plan is not None
    report = build_report(plan, delta=plan.report.delta, estimate=False)
    s = statement(plan, report)
    held = {th["theorem"] for g in report["groups"] for th in g["theorems"] if th["holds"]}
    assert {b.theorem for b in s.bounds} == held and held
    for b in s.bounds:
        computed = [th["value"] for g in report["groups"] for th in g["theorems"]
                    if th["theorem"] == b.theorem and th["holds"] and th["latex"] == b.latex]
        assert [v for _, v in b.values] == computed
    assert r"m \in \{8, 32, 128, 512\}" in s.model  # the swept width, not the first run's
    assert r"\lambda = 0.01" in s.loss


def test_tex_md_html_sty(tmp_path: Path) -> None:
    text = QUICKSTART.read_text()
    tex = highlight_tex(text)
    assert tex.startswith(r"\begin{Verbatim}") and r"\PYmlc{k+kd}{problem}" in tex
    assert fenced_md(text).startswith("```mlc\n") and fenced_md("a ``` b").startswith("````mlc\n")
    assert '<div class="mlc">' in highlight_html(text) and '<span class="kd">problem</span>' in highlight_html(text)
    sty = sty_text()
    assert r"\ProvidesPackage{mlc}" in sty and r"\def\PYmlc" in sty and "RequirePackage{minted}" not in sty
    out = tmp_path / "q.tex"
    assert main(["export", str(QUICKSTART), "--to", "tex", "-o", str(out)]) == 0
    assert (tmp_path / "mlc.sty").read_text() == sty
    assert out.read_text() == tex


def test_unicode_the_sty_does_not_know_stays_printable() -> None:
    assert tex_safe("‖f‖ ≤ 1") == "‖f‖ ≤ 1" and {"‖", "≤"} <= set(UNICODE_TEX)
    assert tex_safe("k₀(x̂)") == "k0(x)"
    assert tex_safe("★") == r"\mlcunicode{2605}"


def test_errors_are_diagnostics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(tmp_path / "nope.ml")]) == 2
    assert "cannot read" in capsys.readouterr().err
    bad = tmp_path / "bad.ml"
    bad.write_text("problem p\nlet d = 2\ninput x ~ uniform(cube(d))\ntarget f*(x) = nosuch(x[1])\nspace barron\n"
                   "model net = two_layer(width = 8)\ntrain net { optimizer = gd(lr = 0.1) steps = 10 }\n")
    assert main(["export", str(bad), "--to", "md"]) == 0  # highlighting needs no valid spec
    assert main(["export", str(bad), "--math"]) == 1
    err = capsys.readouterr().err
    assert "bad.ml:4:" in err and "Traceback" not in err
    assert main(["export", "--to", "tex"]) == 2


def test_every_shipped_spec_compiles_with_plain_pdflatex(tmp_path: Path) -> None:
    """All shipped specs with --math in one document (one pdflatex run keeps the suite fast)."""
    parts = []
    for spec in SPECS:
        out = tmp_path / f"{spec.stem}.tex"
        assert main(["export", str(spec), "--to", "tex", "--math", "-o", str(out)]) == 0
        assert "minted" not in out.read_text()
        parts.append(f"\\input{{{spec.stem}}}\n\\clearpage\n")
    doc = tmp_path / "all.tex"
    doc.write_text("\\documentclass{article}\n\\usepackage{mlc}\n\\begin{document}\n" + "".join(parts)
                   + "\\end{document}\n")
    text = pdf_text(pdflatex(doc))
    assert "U+" not in text  # every character of the specs and the theory's texts is typeset
    for spec in SPECS:
        plan = compile_path(str(spec)).plan
        assert plan is not None
        assert f"problem {plan.problem}" in text
        report = build_report(plan, delta=plan.report.delta, estimate=False)
        for b in statement(plan, report).bounds:
            assert b.theorem in text


def test_a_value_in_the_pdf_is_the_theory_engines(tmp_path: Path) -> None:
    out = tmp_path / "q.tex"
    assert main(["export", str(QUICKSTART), "--math", "--standalone", "-o", str(out)]) == 0
    plan = compile_path(str(QUICKSTART)).plan
    assert plan is not None
    report = build_report(plan, delta=plan.report.delta, estimate=False)
    t3 = next(th for th in report["groups"][0]["theorems"] if th["theorem"] == "T3")
    assert f"width = 8: {_g(t3['value'])}" in pdf_text(pdflatex(out))


def test_export_imports_no_torch(tmp_path: Path) -> None:
    code = ("import contextlib, io, sys\nfrom mlc.runtime.cli import main\n"
            f"for to in ('tex', 'md', 'html'):\n"
            f"    with contextlib.redirect_stdout(io.StringIO()):\n"
            f"        assert main(['export', {str(QUICKSTART)!r}, '--math', '--to', to]) == 0\n"
            "assert 'torch' not in sys.modules and 'matplotlib' not in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
