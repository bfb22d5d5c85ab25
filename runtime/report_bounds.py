"""The bounds tables of the report: each theorem that holds, its value, and the ratio measured / bound.

Input:  the grouped runs of one model (:mod:`mlc.runtime.report_groups`), the swept params, the report's
        ``summary`` (how values over seeds are summarised; heavy-tailed bounds always by the median).
Output: a rich :class:`~rich.table.Table` and footnote lines.
Role:   the "predicted vs measured" half of the terminal report (``report_table`` prints it).
"""

from __future__ import annotations

from typing import Sequence

from rich.table import Table
from rich.text import Text

from mlc.compiler.ir import Summary
from mlc.runtime.report_format import DAGGER, DASH, add_row, fmt, fmt_param, new_table, titled
from mlc.runtime.report_groups import SUMMARY_NAMES, BoundCell, Group, group_optimisation_limit
from mlc.runtime.report_params import split_params


MAX_BOUND_ROWS = 48
"""A per-group bounds table of more rows than this is folded: one row per theorem, over every group
(:func:`folded_bounds_table`), so a report of 168 grid points does not print 2,400 lines (issue 11)."""
MAX_WIDE_THEOREMS = 3
"""Up to this many theorems, one column per theorem; beyond, one row per (group, theorem)."""
RATE_TEXT_IN_CELL = 22
"""A rate formula up to this many characters is shown in the cell, a longer one in the footnotes."""
NOTE_WIDTH = 98


def _bound_cell(cell: BoundCell | None) -> str:
    if cell is None:
        return DASH
    if cell.rate_only:
        if cell.text and len(cell.text) <= RATE_TEXT_IN_CELL:
            return f"rate {cell.text}"
        return "rate (see notes)" if cell.text else "rate"
    text = fmt(cell.value) + (" clipped" if cell.clipped else "")
    if cell.ratio is not None:
        text += f"\n×{fmt(cell.ratio, 2)}"
    return text


def _theorems(groups: Sequence[Group], summary: Summary = "mean") -> dict[str, BoundCell]:
    """Every theorem that holds in some group, with a representative cell (unverified if any is)."""
    theorems: dict[str, BoundCell] = {}
    for group in groups:
        for cell in group.bounds(summary):
            if cell.theorem not in theorems or (cell.unverified and not theorems[cell.theorem].unverified):
                theorems[cell.theorem] = cell
    return theorems


def bounds_table(model: str, groups: Sequence[Group], params: Sequence[str],
                 summary: Summary = "mean") -> Table | None:
    """The bounds that hold for ``model``, with their values and the ratio measured / bound.

    With few theorems: one row per group, one column per theorem (value, and ``×ratio`` below). With more:
    one row per (group, theorem), with the measured quantity next to the bound. ``None`` when no bound
    holds for this model.
    """
    theorems = _theorems(groups, summary)
    if not theorems:
        return None
    shown, constant = split_params(groups, params)
    rows = len(groups) if len(theorems) <= MAX_WIDE_THEOREMS else sum(len(g.bounds(summary)) for g in groups)
    if rows > MAX_BOUND_ROWS:
        return folded_bounds_table(model, groups, shown, constant, theorems, summary)
    # a group whose training had not finished gets a label beside its bounds (report_groups: the one rule)
    limited = {id(g): "optimisation-limited" for g in groups if group_optimisation_limit(g) is not None}
    if len(theorems) <= MAX_WIDE_THEOREMS:
        table = new_table(titled(f"{model}: bounds (value, and ×ratio = measured / bound)", constant))
        for key in shown:
            table.add_column(key, justify="right")
        for theorem, cell in theorems.items():
            mark = DAGGER if cell.unverified else ""
            table.add_column(Text(f"{theorem}{mark}\n{cell.kind} on {cell.quantity}"), justify="right")
        if limited:
            table.add_column("training")
        for group in groups:
            by_theorem = {c.theorem: c for c in group.bounds(summary)}
            add_row(table, *[fmt_param(group.params.get(k)) for k in shown],
                     *[_bound_cell(by_theorem.get(theorem)) for theorem in theorems],
                     *([limited.get(id(group), "")] if limited else []))
        return table
    table = new_table(titled(f"{model}: bounds, and ratio = measured / bound", constant))
    for key in shown:
        table.add_column(key, justify="right")
    for name, justify in (("theorem", "left"), ("kind", "left"), ("quantity", "left"),
                          ("bound", "right"), ("measured", "right"), ("ratio", "right")):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    if limited:
        table.add_column("training")
    for group in groups:
        cells = group.bounds(summary)
        for i, cell in enumerate(cells):
            params_cells = [fmt_param(group.params.get(k)) if i == 0 else "" for k in shown]
            bound = "rate" if cell.rate_only else fmt(cell.value) + (" clipped" if cell.clipped else "")
            add_row(table, *params_cells, cell.theorem + (DAGGER if cell.unverified else ""), cell.kind,
                     cell.quantity, bound, fmt(cell.measured) if cell.measured is not None else DASH,
                     fmt(cell.ratio, 2) if cell.ratio is not None else DASH,
                     *([limited.get(id(group), "") if i == 0 else ""] if limited else []))
        if cells:
            table.rows[-1].end_section = True
    return table


def _range(values: Sequence[float], digits: int = 3) -> str:
    if not values:
        return DASH
    lo, hi = min(values), max(values)
    return fmt(lo, digits) if lo == hi else f"{fmt(lo, digits)} – {fmt(hi, digits)}"


def varies_with(groups: Sequence[Group], keys: Sequence[str], value_of: dict[int, float]) -> list[str]:
    """The params among ``keys`` that a per-group value (``value_of[id(group)]``) changes with: some two groups that
    differ only in that param have different values."""
    out = []
    for key in keys:
        buckets: dict[tuple[tuple[str, float | None], ...], set[float]] = {}
        for group in groups:
            if id(group) not in value_of:
                continue
            others = tuple((k, group.params.get(k)) for k in keys if k != key)
            buckets.setdefault(others, set()).add(value_of[id(group)])
        if any(len(values) > 1 for values in buckets.values()):
            out.append(key)
    return out


def folded_bounds_table(model: str, groups: Sequence[Group], shown: Sequence[str], constant: dict[str, float],
                        theorems: dict[str, BoundCell], summary: Summary = "mean") -> Table:
    """The bounds of many groups folded into one row per theorem: in how many groups it holds, the range of its
    value and of measured / bound over them, the group where that ratio is largest, and the swept params its value
    changes with (every per-group value: ``runs.csv``'s ``bound:*`` columns and ``summary.json``)."""
    n = len(groups)
    table = new_table(titled(f"{model}: bounds over {n} groups, folded (one row per theorem; per group: runs.csv "
                             "bound:* columns, summary.json)", constant))
    for name, justify in (("theorem", "left"), ("kind on quantity", "left"), ("holds", "right"),
                          ("bound", "right"), ("ratio", "right"), ("max ratio\nat", "left"),
                          ("varies\nwith", "left")):
        table.add_column(name, justify=justify, overflow="fold",  # type: ignore[arg-type]
                         min_width=19 if name == "kind on quantity" else None)
    limited = sum(1 for g in groups if group_optimisation_limit(g) is not None)
    for theorem, first in theorems.items():
        cells = {id(g): c for g in groups for c in g.bounds(summary) if c.theorem == theorem}
        values = {k: c.value for k, c in cells.items() if c.value is not None}
        ratios = {k: c.ratio for k, c in cells.items() if c.ratio is not None}
        worst = max(ratios, key=lambda k: ratios[k]) if ratios else None
        at = next((g for g in groups if id(g) == worst), None)
        where = ", ".join(f"{k} = {fmt_param(at.params.get(k))}" for k in shown) if at is not None else DASH
        bound = "rate" if first.rate_only else _range(list(values.values()))
        add_row(table, theorem + (DAGGER if first.unverified else ""), f"{first.kind} on\n{first.quantity}",
                f"{len(cells)}/{n}", bound, _range(list(ratios.values()), 2), where or DASH,
                ", ".join(varies_with(groups, shown, values)) or ("none" if values else DASH))
    if limited:
        table.caption = Text(f"{limited}/{n} groups optimisation-limited (see the notes under the measured table)",
                             style="yellow")
    return table


def _clip(line: str, width: int = NOTE_WIDTH) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def bounds_notes(groups: Sequence[Group], summary: Summary = "mean") -> list[str]:
    """Footnotes: one line per theorem shown (title, citation, long rate formulas, normalisation note, how its
    values are summarised over seeds when not by the mean), the dagger, and one line per theorem whose
    hypotheses fail (its first failing hypothesis)."""
    notes: list[str] = []
    theorems = _theorems(groups, summary)
    for theorem, cell in theorems.items():
        line = f"{theorem}: {cell.title}"
        if cell.citation:
            line += f" [{cell.citation}]"
        if cell.rate_only and cell.text:
            line += f". Rate: {cell.text}"
        if cell.note:
            line += f". {cell.note}"
        if cell.summary != "mean":
            why = " (heavy-tailed over seeds)" if cell.summary != summary else ""
            line += f". Values: {SUMMARY_NAMES[cell.summary]} over seeds{why}"
        notes.append(line)
    if any(cell.unverified for cell in theorems.values()):
        notes.append(f"{DAGGER} unverified constant")
    if any(c.clipped for g in groups for c in g.bounds(summary)):
        notes.append("clipped: the formula exceeds the trivial bound (vacuous); the trivial bound is shown, and "
                     "stored so in runs.csv (the formula's value: results.json)")
    failing: dict[str, list[str]] = {}
    where: dict[str, int] = {}
    for group in groups:
        for theorem, reasons in group.failing_bounds().items():
            bucket = failing.setdefault(theorem, [])
            bucket += [r for r in reasons if r not in bucket]
            where[theorem] = where.get(theorem, 0) + 1
    for theorem, reasons in failing.items():
        first = reasons[0] if reasons else "its hypotheses fail"
        more = f"; {len(reasons)} reasons" if len(reasons) > 1 else ""
        notes.append(_clip(f"{theorem} not applied ({where[theorem]}/{len(groups)} groups{more}): {first}"))
    hidden = {t: why for g in groups for t, why in g.hidden.items()}
    for theorem, why in hidden.items():
        notes.append(_clip(f"{theorem} not shown: {why}"))
    if failing:
        notes.append("(all failing hypotheses: `mlc bounds <spec>`, or summary.json)")
    return notes
