"""Printing expressions, values and block items: AST nodes -> canonical text.

Input:  a node of the faithful AST (:mod:`mlc.dsl.ast`) that fits on one line: an expression, a value
        (range, ``every``), a block item or a report item.
Output: its canonical text (:func:`format_expr`, or :class:`ExprPrinter` for the formatter to extend).
Role:   the spacing rules of ``mlc fmt`` inside a line: ``+ - * /`` and comparisons spaced, ``^`` tight
        (``x[1]^2``), ``**`` written ``^``, ``k = v`` in calls, ``..`` tight when both ends are atoms; the
        user's parentheses are kept (they carry meaning for readers), and parentheses are added only where
        the tree needs them. Every argument and item is printed: nothing here drops or reorders anything.
        One ``_print_<Node>`` method per node type, as in SymPy's printers. Statements and comments are
        :mod:`mlc.dsl.formatter`'s.
"""

from __future__ import annotations

from typing import Any

from mlc.dsl import ast

# Binding strength of each expression form, for the parentheses the tree needs.
_PREC_COMPARE, _PREC_ADD, _PREC_MUL, _PREC_UNARY, _PREC_POW, _PREC_ATOM = range(6)


def _prec(node: Any) -> int:
    if isinstance(node, ast.Compare):
        return _PREC_COMPARE
    if isinstance(node, ast.BinOp):
        return {"+": _PREC_ADD, "-": _PREC_ADD, "*": _PREC_MUL, "/": _PREC_MUL}.get(node.op, _PREC_POW)
    if isinstance(node, ast.UnaryOp):
        return _PREC_UNARY
    return _PREC_ATOM


class ExprPrinter:
    """Expressions, values and items -> canonical text. ``doprint`` dispatches to ``_print_<NodeType>``."""

    def doprint(self, node: Any) -> str:
        method = getattr(self, f"_print_{type(node).__name__}", None)
        if method is None:
            raise TypeError(f"no printer for {type(node).__name__}")
        text: str = method(node)
        return text

    def _wrap(self, node: Any, minimum: int) -> str:
        text = self.doprint(node)
        return f"({text})" if _prec(node) < minimum else text

    def _print_Number(self, node: ast.Number) -> str:
        return node.text or repr(node.value)

    def _print_Name(self, node: ast.Name) -> str:
        return node.id

    def _print_StringLit(self, node: ast.StringLit) -> str:
        return f'"{node.value}"'

    def _print_Ident(self, node: ast.Ident) -> str:
        return node.name

    def _print_Paren(self, node: ast.Paren) -> str:
        return f"({self.doprint(node.expr)})"

    def _print_BinOp(self, node: ast.BinOp) -> str:
        if node.op == "^":
            return f"{self._wrap(node.left, _PREC_ATOM)}^{self._wrap(node.right, _PREC_UNARY)}"
        level = _prec(node)
        return f"{self._wrap(node.left, level)} {node.op} {self._wrap(node.right, level + 1)}"

    def _print_UnaryOp(self, node: ast.UnaryOp) -> str:
        return f"{node.op}{self._wrap(node.operand, _PREC_UNARY)}"

    def _print_Compare(self, node: ast.Compare) -> str:
        return f"{self._wrap(node.left, _PREC_ADD)} {node.op} {self._wrap(node.right, _PREC_ADD)}"

    def _print_Index(self, node: ast.Index) -> str:
        return f"{self._wrap(node.base, _PREC_ATOM)}[{self.doprint(node.index)}]"

    def _print_VectorLit(self, node: ast.VectorLit) -> str:
        return "[" + ", ".join(self.doprint(item) for item in node.items) + "]"

    def _print_Call(self, node: ast.Call) -> str:
        return f"{node.func.name}(" + ", ".join(self.doprint(arg) for arg in node.args) + ")"

    def _print_KwArg(self, node: ast.KwArg) -> str:
        return f"{node.key.name} = {self.doprint(node.value)}"

    def _print_Bind(self, node: ast.Bind) -> str:
        return f"{node.var.name} in {self._range(node.lo, node.hi)}"

    def _print_RangeLit(self, node: ast.RangeLit) -> str:
        return self._range(node.lo, node.hi)

    def _range(self, lo: Any, hi: Any) -> str:
        def atomic(n: Any) -> bool:
            return _prec(n) == _PREC_ATOM or (isinstance(n, ast.UnaryOp) and _prec(n.operand) == _PREC_ATOM)

        sep = ".." if atomic(lo) and atomic(hi) else " .. "
        return f"{self.doprint(lo)}{sep}{self.doprint(hi)}"

    def _print_Every(self, node: ast.Every) -> str:
        word = "at" if node.at else "every"
        return f"{word} {self.doprint(node.interval)}: " + ", ".join(m.name for m in node.metrics)

    def _print_Teacher(self, node: ast.Teacher) -> str:
        return f"teacher {self.doprint(node.call)}"

    # ---- block items
    def _print_Setting(self, node: ast.Setting) -> str:
        return f"{node.key.name} = {self.doprint(node.value)}"

    def _print_Until(self, node: ast.Until) -> str:
        return f"until {self.doprint(node.condition)}"

    def _print_ReportBounds(self, node: ast.ReportBounds) -> str:
        return "bounds"

    def _print_ReportRates(self, node: ast.ReportRates) -> str:
        return "rates over " + ", ".join(a.name for a in node.axes)

    def _print_ReportPlot(self, node: ast.ReportPlot) -> str:
        return f"plot {node.y.name} vs {node.x.name}"

    def _print_ReportMark(self, node: ast.ReportMark) -> str:
        return "mark " + ", ".join(f"{m.axis.name} = {self.doprint(m.value)}" for m in node.marks)

    # ---- claims
    def _print_TolerancePercent(self, node: ast.TolerancePercent) -> str:
        return f"within {self.doprint(node.percent)}%"

    def _print_ToleranceSteps(self, node: ast.ToleranceSteps) -> str:
        return f"within {self.doprint(node.steps)} {node.word.name}"

    def _print_ClaimPeak(self, node: ast.ClaimPeak) -> str:
        text = (f"peak of {node.metric.name} over {node.axis.name} at {node.at_axis.name} = "
                f"{self.doprint(node.value)}")
        text += f" {self.doprint(node.tolerance)}" if node.tolerance is not None else ""
        return text + (f" for {node.model.name}" if node.model is not None else "")

    def _print_ClaimSlope(self, node: ast.ClaimSlope) -> str:
        text = f"slope of {node.metric.name} over {node.axis.name} {node.op} {self.doprint(node.value)}"
        return text + (f" for {node.model.name}" if node.model is not None else "")

    def _print_ClaimRobust(self, node: ast.ClaimRobust) -> str:
        return f"{node.metric.name} more robust with {node.axis.name} = {node.better.name} than {node.worse.name}"

    def _print_ClaimInsensitive(self, node: ast.ClaimInsensitive) -> str:
        text = f"{node.metric.name} insensitive to {node.axis.name} within {self.doprint(node.percent)}%"
        return text + (f" for {node.model.name}" if node.model is not None else "")

    def _print_ClaimOrder(self, node: ast.ClaimOrder) -> str:
        text = f"order of {node.metric.name} convergence is {node.direction.name}"
        return text + (f" below {self.doprint(node.below)}" if node.below is not None else "")

    def _print_Condition(self, node: ast.Condition) -> str:
        return f"{node.axis.name} = {self.doprint(node.value)}"

    def _print_ClaimRegime(self, node: ast.ClaimRegime) -> str:
        text = f"regime of {node.metric.name} is {node.regime.name}"
        if node.conditions:
            text += " at " + " and ".join(self.doprint(c) for c in node.conditions)
        return text

    def _rate_tail(self, start: Any, model: ast.Ident | None, conditions: tuple[ast.Condition, ...] = ()) -> str:
        text = f" from step {self.doprint(start)}" if start is not None else ""
        if conditions:
            text += " at " + " and ".join(self.doprint(c) for c in conditions)
        return text + (f" for {model.name}" if model is not None else "")

    def _print_ClaimRate(self, node: ast.ClaimRate) -> str:
        return (f"slope of {node.metric.name} over step {node.op} {self.doprint(node.value)}"
                + self._rate_tail(node.start, node.model, node.conditions))

    def _print_ClaimRateInsensitive(self, node: ast.ClaimRateInsensitive) -> str:
        return (f"slope of {node.metric.name} over step insensitive to {node.axis.name} within "
                f"{self.doprint(node.percent)}%" + self._rate_tail(node.start, node.model))

    def _print_ClaimRateTrend(self, node: ast.ClaimRateTrend) -> str:
        return (f"slope of {node.metric.name} over step {node.trend.name} with {node.axis.name}"
                + self._rate_tail(node.start, node.model))

    def _print_ClaimCompare(self, node: ast.ClaimCompare) -> str:
        text = f"{node.metric.name} {node.op} {self.doprint(node.value)}"
        if node.conditions:
            text += " at " + " and ".join(self.doprint(c) for c in node.conditions)
        return text


_PRINTER = ExprPrinter()


def format_expr(node: Any) -> str:
    """The canonical text of one expression or value (also used for labels, e.g. report marks)."""
    return _PRINTER.doprint(node)
