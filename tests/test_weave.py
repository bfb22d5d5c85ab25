"""``mlc weave``: a paper's specs run through the store, their results written back, LaTeX and Markdown.

Input:  the example papers (``examples/paper.tex``, ``examples/paper.md``) copied to a temporary folder, small
        documents written here, a real pdflatex/pdftotext/pdftoppm (tests/paper_helpers.py) and markdown-it.
Output: test failures.
Role:   the issue's "done when": the woven LaTeX compiles with plain pdflatex and its PDF holds the numbers of
        the stored results (computed here from results.json, independently of the renderer); a second weave
        trains nothing and writes the same document; ``--frozen`` imports no torch, rebuilds the same document
        from the results store alone, and lists what is missing when the store does not cover the spec; errors
        point at the document's line.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from mlc.runtime.cli import main
from mlc.runtime.results import ExperimentResult
from mlc.runtime.weave_doc import WeaveError, read_document
from paper_helpers import pdf_text, pdflatex, require_latex

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _weave(paper: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlc.runtime.cli", "weave", str(paper), "--device", "cpu", *extra],
                          capture_output=True, text=True, timeout=600, cwd=paper.parent)


def _results(paper: Path, spec: str) -> ExperimentResult:
    return ExperimentResult.model_validate_json((paper.with_name(paper.stem + "-mlc") / spec / "results.json").read_text())


def _mean_sd(result: ExperimentResult, metric: str, **params: float) -> tuple[float, float]:
    values = [r.metrics[metric] for r in result.runs
              if r.status == "ok" and all(r.params.get(k) == v for k, v in params.items())]
    assert len(values) == 2
    return statistics.mean(values), statistics.stdev(values)


def _tex_number(v: float) -> str:
    """How pdftotext reads back ``$1.2\\times 10^{-3}$``."""
    mantissa, _, exponent = f"{v:.3g}".partition("e")
    return mantissa if not exponent else f"{mantissa} × 10{'−' if int(exponent) < 0 else ''}{abs(int(exponent))}"


@pytest.fixture(scope="module")
def woven_tex(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("paper")
    paper = folder / "paper.tex"
    shutil.copy(EXAMPLES / "paper.tex", paper)
    first = _weave(paper)
    assert first.returncode == 0, first.stderr + first.stdout
    text1 = (folder / "paper-woven.tex").read_text()
    second = _weave(paper)
    assert second.returncode == 0, second.stderr
    return {"paper": paper, "first": first.stdout, "second": second.stdout, "text1": text1,
            "text2": (folder / "paper-woven.tex").read_text()}


def test_first_weave_trains_the_second_trains_nothing(woven_tex: dict[str, object]) -> None:
    assert "ridge: 0 of 4 runs read back, 4 trained" in str(woven_tex["first"])
    assert "ridge: 4 of 4 runs read back, 0 trained" in str(woven_tex["second"])
    assert "features: 4 of 4 runs read back, 0 trained" in str(woven_tex["second"])
    assert woven_tex["text1"] == woven_tex["text2"]


def test_woven_latex_compiles_and_the_pdf_has_the_stored_numbers(woven_tex: dict[str, object]) -> None:
    require_latex()
    paper = woven_tex["paper"]
    assert isinstance(paper, Path)
    woven = paper.with_name("paper-woven.tex")
    body = woven.read_text()
    assert "mlcspec" not in body and r"\mlc{" not in body and "minted" not in body
    text = pdf_text(pdflatex(woven))
    mean, sd = _mean_sd(_results(paper, "ridge"), "test_error", width=32)
    assert f"test error of {_tex_number(mean)} ± {_tex_number(sd)}" in text
    features = _results(paper, "features")
    for n in (50, 200):
        train, _ = _mean_sd(features, "train_error", n=n)
        test, _ = _mean_sd(features, "test_error", n=n)
        assert f"{n} {_tex_number(train)} {_tex_number(test)}" in text  # a table row
    assert "problem ridge" in text and "problem features" in text  # the specs, highlighted
    assert "test_error vs width" in text  # the figure's title, from the report's PDF plot


def _ink(pdf: Path, marker: str, prefix: Path) -> float:
    """The share of dark pixels on the page of ``pdf`` whose text holds ``marker`` (pdftoppm, gray, 40 dpi)."""
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    page = next(i for i, p in enumerate(pages, 1) if marker in p)
    subprocess.run(["pdftoppm", "-gray", "-r", "40", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(prefix)], check=True, timeout=60)
    image = prefix.with_suffix(".pgm").read_bytes()
    pixels = image[image.index(b"255\n") + 4:]
    return sum(1 for b in pixels if b < 200) / len(pixels)


def test_the_figure_is_on_the_page(woven_tex: dict[str, object]) -> None:
    """The figure's page, rendered, has clearly more ink than the same page woven without the figure."""
    require_latex()
    paper = woven_tex["paper"]
    assert isinstance(paper, Path)
    with_figure = _ink(pdflatex(paper.with_name("paper-woven.tex")), "Figure 1", paper.with_name("page-with"))
    bare = paper.with_name("bare.tex")
    bare.write_text(paper.read_text().replace(r"\mlcfigure[width=0.6\linewidth]{ridge}{test_error}{width}", ""))
    shutil.copytree(paper.with_name("paper-mlc"), paper.with_name("bare-mlc"), dirs_exist_ok=True)
    assert main(["weave", str(bare), "--frozen"]) == 0
    without = _ink(pdflatex(paper.with_name("bare-woven.tex")), "Figure 1", paper.with_name("page-without"))
    assert with_figure > without + 0.005, (with_figure, without)


def test_frozen_needs_no_torch_and_rebuilds_the_same_document(woven_tex: dict[str, object]) -> None:
    paper = woven_tex["paper"]
    assert isinstance(paper, Path)
    code = ("import sys\nfrom mlc.runtime.cli import main\n"
            f"status = main(['weave', {str(paper)!r}, '--frozen', '-o', {str(paper.with_name('frozen.tex'))!r}])\n"
            "assert status == 0, status\nassert 'torch' not in sys.modules, 'weave --frozen imported torch'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            cwd=paper.parent)
    assert result.returncode == 0, result.stderr
    assert paper.with_name("frozen.tex").read_text() == woven_tex["text1"]


def test_frozen_reads_the_store_alone(woven_tex: dict[str, object]) -> None:
    """A results folder holding only the store (``.mlc/``) rebuilds the same document, the figure drawn again from
    the stored runs; without a store, --frozen refuses and says what to do."""
    paper = woven_tex["paper"]
    assert isinstance(paper, Path)
    only = paper.with_name("storeonly.tex")
    only.write_text(paper.read_text())
    shutil.copytree(paper.with_name("paper-mlc") / ".mlc", paper.with_name("storeonly-mlc") / ".mlc")
    result = _weave(only, "--frozen")
    assert result.returncode == 0, result.stderr
    woven = paper.with_name("storeonly-woven.tex").read_text()
    assert woven == str(woven_tex["text1"]).replace("paper-mlc/", "storeonly-mlc/")
    assert (paper.with_name("storeonly-mlc") / "ridge" / "plots" / "test_error_vs_width.pdf").is_file()
    assert not (paper.with_name("storeonly-mlc") / "ridge" / "results.json").exists()
    empty = paper.with_name("nostore.tex")
    empty.write_text(paper.read_text())
    result = _weave(empty, "--frozen")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "no results store at" in result.stderr and "without --frozen" not in result.stderr
    assert "where torch is installed" in result.stderr


def test_frozen_lists_what_is_missing(woven_tex: dict[str, object], tmp_path: Path) -> None:
    paper = woven_tex["paper"]
    assert isinstance(paper, Path)
    changed = paper.with_name("changed.tex")
    changed.write_text(paper.read_text().replace("width = [8, 32]", "width = [8, 64]"))
    shutil.copytree(paper.with_name("paper-mlc"), paper.with_name("changed-mlc"), dirs_exist_ok=True)
    result = _weave(changed, "--frozen")
    assert result.returncode == 1
    assert "stored results are missing" in result.stderr
    assert "ridge: 2 of 4 runs not stored: run 2 (width = 64, seed = 0), run 3 (width = 64, seed = 1)" in result.stderr
    assert "Traceback" not in result.stderr


def test_markdown_example_weaves_to_html(woven_tex: dict[str, object], tmp_path: Path) -> None:
    from markdown_it import MarkdownIt

    paper = tmp_path / "paper.md"
    shutil.copy(EXAMPLES / "paper.md", paper)
    # Its spec is the LaTeX example's `features`, word for word: with that paper's results folder (the store
    # in it) the weave reads every run back, which also shows the store is keyed by content, not by document.
    tex_paper = woven_tex["paper"]
    assert isinstance(tex_paper, Path)
    shutil.copytree(tex_paper.with_name("paper-mlc"), tmp_path / "paper-mlc")
    result = _weave(paper)
    assert result.returncode == 0, result.stderr
    assert "features: 4 of 4 runs read back, 0 trained" in result.stdout
    woven = (tmp_path / "paper-woven.md").read_text()
    html = MarkdownIt("commonmark").enable("table").render(woven)
    mean, sd = _mean_sd(_results(paper, "features"), "test_error", n=200)
    assert f"{mean:.3g} ± {sd:.3g}" in html
    assert "<table>" in html and "train_error</th>" in html
    assert '<img src="paper-mlc/features/plots/test_error_vs_n.png"' in html
    assert (tmp_path / "paper-mlc" / "features" / "plots" / "test_error_vs_n.png").is_file()
    assert '<code class="language-mlc">' in html  # the spec, in a fence that names the lexer


def test_an_error_in_an_embedded_spec_points_at_the_paper(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paper = tmp_path / "p.tex"
    paper.write_text("\\documentclass{article}\n\\begin{document}\n\\begin{mlcspec}{bad}\nproblem bad\nlet d = 2\n"
                     "input x ~ uniform(cube(d))\ntarget f*(x) = nosuch(x[1])\nspace barron\n"
                     "model net = two_layer(width = 8)\ntrain net { optimizer = gd(lr = 0.1) steps = 10 }\n"
                     "\\end{mlcspec}\n\\end{document}\n")
    assert main(["weave", str(paper), "--frozen"]) == 1
    err = capsys.readouterr().err
    assert f"{paper}:7:" in err and "nosuch" in err and "Traceback" not in err


def _doc_error(text: str, path: str = "p.tex") -> WeaveError:
    with pytest.raises(WeaveError) as info:
        read_document(path, text)
    return info.value


def test_document_errors_have_a_place_and_a_hint() -> None:
    e = _doc_error("intro\n\\mlc{a}{b}\n")
    assert (e.line, e.col) == (2, 1) and "wrong arguments" in e.message and "\\mlc[" in e.hint
    e = _doc_error("\\mlc[digits=3]{a}{test_error}{}")
    assert "unknown option" in e.message
    e = _doc_error("\\begin{mlcspec}{a}\nproblem a\n\\end{mlcspec}\n\\begin{mlcspec}{a}\nproblem b\n\\end{mlcspec}\n")
    assert e.line == 4 and "second spec" in e.message
    assert not read_document("p.tex", "% \\mlc{a}{b}\n").refs  # a LaTeX comment is not a reference


def test_reference_errors_point_at_the_reference(woven_tex: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    paper = woven_tex["paper"]
    assert isinstance(paper, Path)
    base = paper.read_text()
    cases = {
        r"\mlc{ridge}{test_eror}{width=32}": "measured no `test_eror`",
        r"\mlc{ridge}{test_error}{}": "2 configurations match",
        r"\mlc{ridge}{test_error}{width=16}": "no run with width = 16",
        r"\mlc[fmt=%s]{ridge}{test_error}{width=8}": "not a number format",
        r"\mlc{nosuch}{test_error}{width=8}": "no spec named `nosuch`",
        r"\mlcfigure{ridge}{path_norm}{width}": "no plot of path_norm vs width",
    }
    for ref, message in cases.items():
        bad = paper.with_name("bad.tex")
        bad.write_text(base.replace(r"\end{document}", ref + "\n\\end{document}"))
        shutil.copytree(paper.with_name("paper-mlc"), paper.with_name("bad-mlc"), dirs_exist_ok=True)
        assert main(["weave", str(bad), "--frozen"]) == 1, ref
        err = capsys.readouterr().err
        line = base.count("\n", 0, base.index(r"\end{document}")) + 1
        assert f"{bad}:{line}:1: error: " in err and message in err, (ref, err)


def test_included_specs_and_markdown_syntax(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "specs" / "x.ml"
    spec.parent.mkdir()
    spec.write_text("problem x\nlet d = 2\ninput x ~ uniform(cube(d))\ntarget f*(x) = x[1]\nspace barron\n"
                    "model net = two_layer(width = oops)\n")
    tex = read_document(str(tmp_path / "p.tex"), "\\mlcinclude{x}{specs/x.ml}\n\\mlc[pm]{x}{test_error}{width=8}\n")
    (s,) = tex.specs
    assert (s.name, s.source, s.first_line, s.included) == ("x", str(spec), 1, True)
    (r,) = tex.refs
    assert (r.kind, r.spec, r.args, r.options) == ("value", "x", ["test_error", "width=8"], {"pm": ""})
    md = read_document(str(tmp_path / "p.md"), "# t\n\n```mlc x file=specs/x.ml\n```\n\n"
                       "{{mlctable x n train_error,test_error fmt=.2f}} and {{mlcfigure x test_error n}}\n")
    assert md.specs[0].included and md.specs[0].source == str(spec)
    assert [(r.kind, r.args, r.options) for r in md.refs] == [
        ("table", ["n", "train_error", "test_error"], {"fmt": ".2f"}), ("figure", ["test_error", "n"], {})]
    paper = tmp_path / "p.md"
    paper.write_text("```mlc x file=specs/x.ml\n```\n")
    assert main(["weave", str(paper), "--frozen"]) == 1
    err = capsys.readouterr().err
    assert f"{spec}:6:" in err and "Traceback" not in err  # the included file's own line
    with pytest.raises(WeaveError) as info:  # a missing included file: an error at the include
        read_document(str(tmp_path / "q.tex"), "text\n\\mlcinclude{y}{nope.ml}\n")
    assert info.value.line == 2 and "cannot read the spec file `nope.ml`" in info.value.message
