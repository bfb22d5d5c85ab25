"""Writing results into a paper for ``mlc weave``: values, tables and figures, in LaTeX or Markdown.

Input:  a :class:`~mlc.runtime.weave_doc.Document`, and for each of its specs the compiled plan, the stored
        results (:class:`~mlc.runtime.results.ExperimentResult`) and its results folder.
Output: the woven text (:func:`weave_text`): each spec block replaced by the highlighted spec, each reference
        by its number, table or figure; or :class:`~mlc.runtime.weave_doc.WeaveError` at the reference's place
        (unknown metric or key, a selection that leaves several configurations, no such plot).
Role:   the presentation half of weave. Statistics are the report's (:mod:`mlc.runtime.report_groups`: mean and
        sample sd over the successful seeds of a configuration); nothing is computed twice, nothing hard-coded.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from mlc.compiler.ir import Plan
from mlc.runtime.cmd_export import fenced_md, highlight_tex
from mlc.runtime.report_groups import Group, Stat, group_runs
from mlc.runtime.results import ExperimentResult
from mlc.runtime.weave_doc import Document, Ref, WeaveError

_FORMAT_SPEC = re.compile(r"[+ ]?#?0?\d*,?(\.\d+)?[eEfFgG%]?")  # Python's float format mini-language, no fill
DEFAULT_FORMAT = ".3g"


@dataclass
class SpecResults:
    """What weave knows about one spec after running it (or reading it back)."""

    plan: Plan
    result: ExperimentResult
    folder: Path  # the spec's results folder (results.json, plots/)


def _fail(doc: Document, ref: Ref, message: str, hint: str = "") -> WeaveError:
    return WeaveError(doc.path, ref.line, ref.col, message, hint)


def _format(doc: Document, ref: Ref, stat: Stat) -> str:
    spec = ref.options.get("fmt", DEFAULT_FORMAT)
    if not _FORMAT_SPEC.fullmatch(spec):
        raise _fail(doc, ref, f"`fmt={spec}` is not a number format", "write a Python format spec such as .3g or .2e")
    fmt = doc.format
    text = _number(format(stat.mean, spec), fmt)
    if "pm" in ref.options and stat.n > 1:
        sd = _number(format(stat.sd, spec), fmt)
        text = f"{text} \\pm {sd}" if fmt == "tex" else f"{text} ± {sd}"
    return f"${text}$" if fmt == "tex" else text


def _number(text: str, fmt: str) -> str:
    """``1.2e-03`` as ``1.2\\times10^{-3}`` in LaTeX (math mode), unchanged in Markdown."""
    mantissa, e, exponent = text.partition("e")
    if not e or fmt != "tex":
        return text.replace("%", r"\%") if fmt == "tex" else text
    return rf"{mantissa}\times 10^{{{int(exponent)}}}"


def _metric(doc: Document, ref: Ref, groups: list[Group], name: str) -> str:
    known = sorted({m for g in groups for m in g.metrics()})
    if name not in known:
        raise _fail(doc, ref, f"`{ref.spec}` measured no `{name}`", "measured: " + ", ".join(known))
    return name


def _select(doc: Document, ref: Ref, sr: SpecResults, selectors: list[str]) -> list[Group]:
    """The configurations that match ``KEY=V`` selectors (``model=NAME`` picks a model)."""
    groups = group_runs(sr.plan, sr.result.runs)
    chosen = groups
    for sel in selectors:
        key, eq, raw = sel.partition("=")
        key, raw = key.strip(), raw.strip()
        if not eq:
            raise _fail(doc, ref, f"`{sel}` is no selection", "write KEY=VALUE, e.g. width=32")
        if key == "model":
            chosen = [g for g in chosen if g.model == raw]
            continue
        keys = sorted({k for g in groups for k in g.params})
        if key not in keys:
            raise _fail(doc, ref, f"`{ref.spec}` sweeps no `{key}`", "swept: " + (", ".join(keys) or "nothing"))
        try:
            value = float(raw)
        except ValueError:
            raise _fail(doc, ref, f"`{raw}` is not a number (for {key})") from None
        chosen = [g for g in chosen if math.isclose(g.params.get(key, math.nan), value, rel_tol=1e-12)]
        if not chosen:
            values = sorted({g.params[key] for g in groups if key in g.params})
            raise _fail(doc, ref, f"`{ref.spec}` has no run with {key} = {raw}",
                        "swept values: " + ", ".join(f"{v:g}" for v in values))
    return chosen


def _one(doc: Document, ref: Ref, chosen: list[Group]) -> Group:
    if len(chosen) == 1:
        return chosen[0]
    if not chosen:
        raise _fail(doc, ref, "no configuration matches")
    varying = sorted({k for g in chosen for k in g.params if len({h.params.get(k) for h in chosen}) > 1})
    if len({g.model for g in chosen}) > 1:
        varying.insert(0, "model")
    raise _fail(doc, ref, f"{len(chosen)} configurations match; the value needs one",
                "also fix " + ", ".join(f"{k}=..." for k in varying))


def render_value(doc: Document, ref: Ref, sr: SpecResults) -> str:
    if not ref.args:
        raise _fail(doc, ref, "a value needs a metric", r"write \mlc{NAME}{METRIC}{KEY=V}")
    groups = group_runs(sr.plan, sr.result.runs)
    metric = _metric(doc, ref, groups, ref.args[0])
    group = _one(doc, ref, _select(doc, ref, sr, ref.args[1:]))
    stat = group.stat(metric)
    if stat is None:
        raise _fail(doc, ref, f"no successful run of this configuration measured {metric}",
                    f"its runs: {group.status_counts()}")
    return _format(doc, ref, stat)


def render_table(doc: Document, ref: Ref, sr: SpecResults) -> str:
    if len(ref.args) < 2:
        raise _fail(doc, ref, "a table needs a row key and at least one metric",
                    r"write \mlctable{NAME}{KEY}{METRIC,...}")
    key, *metric_names = ref.args
    groups = group_runs(sr.plan, sr.result.runs)
    metrics = [_metric(doc, ref, groups, m) for m in metric_names]
    rows = [g for g in groups if key in g.params]
    if not rows:
        keys = sorted({k for g in groups for k in g.params})
        raise _fail(doc, ref, f"`{ref.spec}` sweeps no `{key}`", "swept: " + (", ".join(keys) or "nothing"))
    others = sorted({k for g in rows for k in g.params if k != key and len({h.params.get(k) for h in rows}) > 1})
    if others or len({g.model for g in rows}) > 1:
        raise _fail(doc, ref, f"the rows differ in more than `{key}` ({', '.join(others) or 'model'})",
                    "a table has one row per value of its key: sweep one axis in the spec")
    cells = [[_fmt_key(g.params[key])] + [_format(doc, ref, s) if (s := g.stat(m)) else "—" for m in metrics]
             for g in rows]
    if doc.format == "tex":
        head = " & ".join([_tex_escape(key)] + [_tex_escape(m).replace(r"\_", r"\_") for m in metrics])
        body = "\n".join("  " + " & ".join(row) + r" \\" for row in cells)
        return ("\\begin{tabular}{l" + "r" * len(metrics) + "}\n  \\toprule\n  " + head + " \\\\\n  \\midrule\n"
                + body + "\n  \\bottomrule\n\\end{tabular}")
    lines = ["| " + " | ".join([key, *metrics]) + " |", "|" + "---|" + "--:|" * len(metrics)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def render_figure(doc: Document, ref: Ref, sr: SpecResults, woven: Path) -> str:
    if len(ref.args) != 2:
        raise _fail(doc, ref, "a figure names a metric and a swept key", r"write \mlcfigure{NAME}{METRIC}{KEY}")
    metric, key = ref.args
    ext = "pdf" if doc.format == "tex" else "png"
    plot = sr.folder / "plots" / f"{metric}_vs_{key}.{ext}"
    if not plot.is_file():
        have = sorted(p.stem.replace("_vs_", " vs ") for p in (sr.folder / "plots").glob(f"*.{ext}"))
        raise _fail(doc, ref, f"`{ref.spec}` has no plot of {metric} vs {key}",
                    "plots: " + (", ".join(have) or "none (was the spec run with plots?)"))
    rel = Path(os.path.relpath(plot, woven.parent)).as_posix()
    if doc.format == "tex":
        width = ref.options.get("width") or r"0.8\linewidth"
        return rf"\includegraphics[width={width}]{{{rel}}}"
    return f"![{metric} vs {key}]({rel})"


def _fmt_key(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


def _tex_escape(s: str) -> str:
    return s.replace("\\", r"\textbackslash{}").replace("_", r"\_").replace("&", r"\&").replace("%", r"\%")


def weave_text(doc: Document, results: dict[str, SpecResults], woven: Path) -> str:
    """The document with every spec block and reference replaced (errors at the first bad reference)."""
    pieces: list[tuple[int, int, str]] = []
    for spec in doc.specs:
        if doc.format == "tex":
            pieces.append((spec.start, spec.end, highlight_tex(spec.text).rstrip("\n")))
        else:
            pieces.append((spec.start, spec.end, fenced_md(spec.text).rstrip("\n")))
    for ref in doc.refs:
        sr = results.get(ref.spec)
        if sr is None:
            raise _fail(doc, ref, f"no spec named `{ref.spec}` in this document",
                        "specs: " + (", ".join(s.name for s in doc.specs) or "none"))
        if ref.kind == "value":
            text = render_value(doc, ref, sr)
        elif ref.kind == "table":
            text = render_table(doc, ref, sr)
        else:
            text = render_figure(doc, ref, sr, woven)
        pieces.append((ref.start, ref.end, text))
    out: list[str] = []
    at = 0
    for start, end, text in sorted(pieces):
        if start < at:
            continue  # a reference inside a spec block (a comment of the spec): the block wins
        out += [doc.text[at:start], text]
        at = end
    out.append(doc.text[at:])
    woven_text = "".join(out)
    if doc.format == "tex" and not re.search(r"\\usepackage(\[[^\]]*\])?\{[^}]*\bmlc\b", woven_text):
        woven_text = re.sub(r"(\\documentclass(\[[^\]]*\])?\{[^}]*\}[^\n]*\n)", lambda m: m.group(1) + "\\usepackage{mlc}\n",
                            woven_text, count=1)
    return woven_text
