"""Formatting for the report's terminal view: numbers, mean ± sd cells, durations, rich tables.

Input:  numbers and statistics (:class:`~mlc.runtime.report_groups.Stat`), table titles and cells.
Output: strings and empty :class:`rich.table.Table` objects in the report's style.
Role:   the look of every report table (``report_table``): compact numbers (``1.23e-5``), swept values
        without a decimal point, cells shown literally (never read as rich markup), a 100-column layout.
"""

from __future__ import annotations

import math

from rich import box
from rich.table import Table
from rich.text import Text

from mlc.compiler.ir import Summary
from mlc.runtime.report_groups import Stat

DASH = "—"
MAX_WIDTH = 100
DAGGER = "†"


def fmt(value: float | None, digits: int = 3) -> str:
    """A compact number: ``0.0123``, ``1.23e-5``, ``4.56e+3`` -> ``4.56e3``; ``—`` for missing."""
    if value is None:
        return DASH
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def fmt_param(value: float | None) -> str:
    """A swept value: integers without a decimal point."""
    if value is None:
        return DASH
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return fmt(value, 4)


SHORT: dict[str, str] = {"mean": "mean", "median": "med", "geomean": "gm"}
"""The labels of the summaries in table cells (``med 0.12``, ``gm 0.11``)."""


def fmt_stat(stat: Stat | None, summary: Summary = "mean") -> str:
    """With ``summary = mean``: ``mean ± sd`` (sd only with 2+ seeds), and ``med <median>`` on a second line with
    3+ seeds. With ``median`` or ``geomean``: that centre first (``med 0.12``, ``gm 0.11``), then ``mean ± sd``,
    then the other robust summary (with 2+ seeds; the geometric mean only when every value is > 0)."""
    if stat is None:
        return DASH
    spread = fmt(stat.mean) if stat.n < 2 else f"{fmt(stat.mean)} ± {fmt(stat.sd, 2)}"
    if summary == "mean":
        return spread + (f"\nmed {fmt(stat.median)}" if stat.median is not None else "")
    value = stat.centre(summary)
    lines = [f"{SHORT[summary]} {fmt(value) if not math.isnan(value) else DASH}", spread]
    other = stat.geomean if summary == "median" else stat.median
    if stat.n >= 2 and other is not None:
        lines.append(f"{SHORT['geomean' if summary == 'median' else 'median']} {fmt(other)}")
    return "\n".join(lines)


def fmt_seconds(seconds: float) -> str:
    """``12.3 s``, ``4 min 05 s``, ``1 h 02 min``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, sec = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def add_row(table: Table, *cells: str | Text) -> None:
    """Add a row whose strings are shown as they are (never read as rich markup: ``[x]`` stays)."""
    table.add_row(*(cell if isinstance(cell, Text) else Text(cell) for cell in cells))


def new_table(title: str) -> Table:
    """A report table: left-aligned title, light rules, at least as wide as its title."""
    return Table(title=Text(title, style="bold"), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                 min_width=min(len(title), MAX_WIDTH))


def titled(text: str, constant: dict[str, float]) -> str:
    """A table title with the params that are constant over the table, e.g. ``... [n=100 lr=0.1]``."""
    if not constant:
        return text
    return f"{text}   [" + " ".join(f"{k}={fmt_param(v)}" for k, v in constant.items()) + "]"
