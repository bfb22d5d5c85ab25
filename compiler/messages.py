"""The message catalogue: every diagnostic that the checker, the sweep and constant folding report.

Input:  the facts of one problem (names, values, spans, candidates for a suggestion).
Output: :class:`~mlc.dsl.diagnostics.Diagnostic` records, each with its code, wording, help and ``kind``
        (the name of the constructor that built it).
Role:   one named constructor per message kind, as mypy's ``message_registry`` and stanc3's
        ``Semantic_error`` have, so that the wording of a message lives in one place. :data:`KINDS` lists every
        kind with its code; ``tests/golden/diagnostics/<CODE>_<kind>.ml`` holds one bad spec per kind and
        ``tests/test_golden.py`` checks both directions (every kind has a golden, every golden names a kind).

A constructor returns the text, the span and the help; :func:`_kind` registers it and turns the result into a
Diagnostic. Raise one with ``raise fail(messages.not_an_integer(...))``.
"""

from __future__ import annotations

import functools
from typing import Callable, Iterable, ParamSpec

from mlc.dsl.diagnostics import Diagnostic, Severity, SpecErrors, Span, suggestion_help

P = ParamSpec("P")
Parts = tuple[str, "Span | None", "str | None"]  # message, span, help

KINDS: dict[str, str] = {}
"""Every message kind (the constructor's name) -> its code (``mlc.dsl.diagnostics.CODES``)."""


def _kind(code: str, severity: Severity = "error") -> Callable[[Callable[P, Parts]], Callable[P, Diagnostic]]:
    def register(parts: Callable[P, Parts]) -> Callable[P, Diagnostic]:
        name = parts.__name__
        assert name not in KINDS, f"message kind {name} defined twice"
        KINDS[name] = code

        @functools.wraps(parts)
        def build(*args: P.args, **kwargs: P.kwargs) -> Diagnostic:
            message, span, help = parts(*args, **kwargs)
            return Diagnostic(code, message, span, help=help, severity=severity, kind=name)

        return build

    return register


def fail(*diagnostics: Diagnostic) -> SpecErrors:
    """The exception that aborts a check with these diagnostics."""
    return SpecErrors(list(diagnostics))


def _from_sweep(from_sweep: bool) -> str:
    return " (from the sweep)" if from_sweep else ""


def _choices(values: Iterable[str]) -> str:
    return ", ".join(values)


# ------------------------------------------------------------------------------------------ statements


@_kind("E102")
def second_statement(keyword: str, span: Span, first_line: int) -> Parts:
    return (f"a second `{keyword}` statement", span,
            f"the first is at line {first_line}; a spec has one `{keyword}`")


@_kind("E102")
def let_defined_twice(name: str, span: Span, first_line: int) -> Parts:
    return f"`{name}` is defined twice", span, f"the first definition is at line {first_line}"


@_kind("E102")
def model_named_twice(name: str, span: Span) -> Parts:
    return (f"a second model named `{name}`", span,
            "give each model its own name: `model rf = random_features(...)`")


@_kind("E102")
def train_block_twice(model: str | None, span: Span) -> Parts:
    return "a second `train` block for " + (f"`{model}`" if model else "all models"), span, None


@_kind("E103")
def missing_statement(keyword: str, span: Span, example: str) -> Parts:
    return f"the spec has no `{keyword}` statement", span, f"add e.g. `{example}`"


@_kind("E101")
def train_names_no_model(name: str, span: Span, models: Iterable[str]) -> Parts:
    return f"`train {name}` names no model", span, suggestion_help(name, models, "models")


# ------------------------------------------------------------------------------------------ values


@_kind("E201")
def let_not_a_value(name: str, span: Span) -> Parts:
    return f"`let {name}` must be a number or a vector", span, "put ranges of values in a `sweep` block"


@_kind("E201")
def takes_one_number(key: str, span: Span) -> Parts:
    return f"`{key}` takes one number", span, "to try several values, list them in a `sweep` block"


@_kind("E201")
def number_not_vector(key: str, span: Span) -> Parts:
    return f"`{key}` takes a number, not a vector", span, None


@_kind("E201")
def takes_integer_list(key: str, span: Span) -> Parts:
    return f"`{key}` takes a list of integers, e.g. `[200, 200, 100]`", span, None


@_kind("E201")
def takes_bool(key: str, span: Span) -> Parts:
    return f"`{key}` is `true` or `false`", span, None


@_kind("E202")
def not_finite(key: str, value: float, span: Span | None, from_sweep: bool = False) -> Parts:
    return f"`{key}` must be finite, not {value}{_from_sweep(from_sweep)}", span, None


@_kind("E201")
def not_an_integer(key: str, value: float, span: Span | None, owner: str, from_sweep: bool = False) -> Parts:
    return (f"`{key}` must be an integer, not {value:g}{_from_sweep(from_sweep)}", span,
            f"{owner}: {key} counts something, so write a whole number")


@_kind("E202")
def below_minimum(key: str, value: float, low: float, exclusive: bool, span: Span | None, owner: str,
                  from_sweep: bool = False) -> Parts:
    relation = ">" if exclusive else "≥"
    return (f"`{key}` must be {relation} {low:g}; it is {value:g}{_from_sweep(from_sweep)}", span,
            f"{owner}: {key} {relation} {low:g}")


@_kind("E202")
def above_maximum(key: str, value: float, high: float, span: Span | None, from_sweep: bool = False) -> Parts:
    return f"`{key}` must be ≤ {high:g}; it is {value:g}{_from_sweep(from_sweep)}", span, None


@_kind("E101")
def unknown_choice(key: str, name: str, span: Span, choices: Iterable[str], what: str) -> Parts:
    return f"unknown {key} `{name}`", span, suggestion_help(name, choices, what)


@_kind("E201")
def takes_one_of(key: str, choices: Iterable[str], span: Span) -> Parts:
    return f"`{key}` takes one of: {_choices(choices)}", span, None


@_kind("E101")
def unknown_argument(argument: str, of: str, span: Span, candidates: Iterable[str]) -> Parts:
    return f"unknown argument `{argument}` of {of}", span, suggestion_help(argument, candidates)


@_kind("E201")
def named_arguments_only(what: str, example: str, span: Span) -> Parts:
    return f"{what} are named, e.g. `{example}`", span, None


@_kind("E201")
def takes_no_arguments(name: str, span: Span) -> Parts:
    return f"`{name}` takes no arguments", span, None


@_kind("E103")
def missing_setting(owner: str, what: str, span: Span, help: str) -> Parts:
    return f"{owner} needs {what}", span, help


@_kind("E201")
def until_outside_train(span: Span) -> Parts:
    return "`until` belongs in a `train` block", span, None


# ------------------------------------------------------------------------------------------ input


@_kind("E101")
def unknown_distribution(name: str, span: Span) -> Parts:
    return (f"unknown input distribution `{name}`" if name else "expected an input distribution", span,
            "write `uniform(cube(d))`, `uniform(sphere(d))`, `uniform(ball(d))`, `gaussian(d, std = 1)` or "
            "`grid(-1, 1, points = 101)`")


@_kind("E201")
def domain_without_distribution(domain: str, span: Span) -> Parts:
    return (f"`{domain}(...)` is a domain; say how x is drawn from it", span, f"write `uniform({domain}(...))`")


@_kind("E201")
def uniform_needs_domain(span: Span) -> Parts:
    return "`uniform` takes a domain: `cube(d)`, `sphere(d)` or `ball(d)`", span, None


@_kind("E201")
def domain_takes_dimension(domain: str, span: Span) -> Parts:
    return f"`{domain}` takes the dimension: `{domain}(d)`", span, None


@_kind("E201")
def write_as(form: str, span: Span) -> Parts:
    """A construct written in a shape mlc does not know: show the shape it takes."""
    return f"write `{form}`", span, None


@_kind("E202")
def std_not_positive(span: Span) -> Parts:
    return "the standard deviation must be > 0", span, None


@_kind("E202")
def grid_bounds(span: Span) -> Parts:
    return "a grid needs low < high", span, None


@_kind("E201")
def dimension_not_number(span: Span) -> Parts:
    return "the dimension is a number", span, None


# ------------------------------------------------------------------------------------------ target, space


@_kind("E101")
def unknown_teacher_family(name: str, span: Span) -> Parts:
    return (f"unknown teacher family `{name}`", span,
            "teachers are `two_layer(width = k, activation = relu, seed = s)`")


@_kind("E101")
def unknown_setting(section: str, key: str, span: Span, candidates: Iterable[str]) -> Parts:
    return f"unknown {section} setting `{key}`", span, suggestion_help(key, candidates, f"{section} settings")


@_kind("E101")
def target_argument_not_input(param: str, input_name: str, span: Span) -> Parts:
    return (f"the target's argument `{param}` is not the input variable `{input_name}`", span,
            f"write `target f*({input_name}) = ...`")


@_kind("E101")
def unknown_space(name: str | None, span: Span, spaces: Iterable[str]) -> Parts:
    return (f"unknown function space `{name}`" if name else "expected a space name", span,
            suggestion_help(name or "", spaces, "spaces"))


@_kind("E201")
def norm_bound_direction(span: Span) -> Parts:
    return "declare an upper bound: `norm <= Q`", span, None


@_kind("E202")
def norm_bound_not_positive(span: Span) -> Parts:
    return "a declared norm bound must be a number > 0", span, None


@_kind("E201")
def unexpected_space_argument(name: str, span: Span) -> Parts:
    return (f"unexpected argument of `{name}`", span,
            f"write `{name}(norm <= Q)`" + (" or `multilayer(3, norm <= Q)`" if name == "multilayer" else ""))


# ------------------------------------------------------------------------------------------ data, model


@_kind("E301")
def n_with_grid(span: Span) -> Parts:
    return "with a grid input, n is the number of grid points", span, "remove `n` and set `points` in `grid(...)`"


@_kind("E101")
def unknown_family(family: str, span: Span, families: Iterable[str]) -> Parts:
    return f"unknown model family `{family}`", span, suggestion_help(family, families, "families")


@_kind("E301")
def family_rule(message: str, span: Span, help: str | None) -> Parts:
    """A rule of the model's family over its settings (``Family.check_model``: e.g. a deep net's depth and widths)."""
    return message, span, help


@_kind("E102")
def setting_twice(key: str, span: Span) -> Parts:
    return f"`{key}` is set twice", span, None


@_kind("E101")
def unknown_model_setting(key: str, family: str, span: Span, allowed: Iterable[str]) -> Parts:
    return (f"unknown setting `{key}` in a {family} model", span,
            suggestion_help(key, allowed, f"{family} settings"))


@_kind("E301")
def setting_not_for_family(key: str, family: str, span: Span, why: str | None, allowed: Iterable[str]) -> Parts:
    return (f"`{key}` does not apply to a {family} model", span,
            why or f"{family} settings: {_choices(allowed)}")


# ------------------------------------------------------------------------------------------ training


@_kind("E101")
def misplaced_train_setting(key: str, inside: str, example: str, span: Span) -> Parts:
    return f"unknown train setting `{key}`", span, f"`{key}` goes inside the {inside}: `{example}`"


@_kind("E301")
def steps_and_max_steps(span: Span) -> Parts:
    return "give `max_steps` or `steps`, not both", span, None


@_kind("E301")
def max_steps_without_until(span: Span) -> Parts:
    return "`max_steps` without `until` is just `steps`; give one of them", span, None


@_kind("E301")
def solve_needs_random_features(solve: str, model: str, family: str, span: Span, owners: Iterable[str]) -> Parts:
    return (f"`solve = {solve}` needs a {' or '.join(owners)} model; `{model}` is {family}", span,
            "closed forms exist only for the linear (random feature) model")


@_kind("E301")
def ridge_needs_penalty(span: Span) -> Parts:
    return "`solve = ridge` needs a ridge penalty", span, "add `penalty = rkhs_norm(lambda = 1e-3)` or weight_decay"


@_kind("E101")
def cannot_stop_on(metric: str, span: Span, metrics: tuple[str, ...]) -> Parts:
    return f"cannot stop on `{metric}`", span, f"stop rules use {', '.join(metrics[:-1])} or {metrics[-1]}"


@_kind("E301")
def penalty_not_for_family(kind: str, family: str, span: Span, why: str) -> Parts:
    return f"a `{kind}` penalty on a {family} model makes no sense", span, why


@_kind("E301")
def auto_lambda_only_path_norm(span: Span) -> Parts:
    return ("`lambda = auto` is defined only for path_norm (T5's choice, λ = 4 on MSE/2)", span,
            "give lambda a number")


@_kind("E101")
def unknown_optimizer_setting(kind: str, key: str, span: Span, settings: Iterable[str]) -> Parts:
    return f"`{kind}` has no setting `{key}`", span, suggestion_help(key, settings, f"{kind} settings")


@_kind("E301")
def setting_of_other_optimizer(kind: str, key: str, span: Span, owners: list[str]) -> Parts:
    return (f"`{kind}` has no setting `{key}`", span,
            f"`{key}` belongs to {', '.join(owners)}: e.g. `{owners[0]}({key} = ...)`")


@_kind("E202")
def batch_larger_than_n(batch: int, n: int, span: Span | None) -> Parts:
    return f"the batch ({batch}) is larger than n = {n}", span, "use gd for full-batch training"


@_kind("E201")
def betas_not_pair(span: Span) -> Parts:
    return "`betas` is a pair: `betas = [0.9, 0.999]`", span, None


@_kind("E202")
def betas_out_of_range(span: Span) -> Parts:
    return "each beta must be in [0, 1)", span, None


@_kind("E202")
def threshold_not_positive(span: Span) -> Parts:
    return "the threshold must be a number > 0", span, None


@_kind("E101")
def unknown_metric(name: str, span: Span, metrics: Iterable[str]) -> Parts:
    return f"unknown metric `{name}`", span, suggestion_help(name, metrics, "metrics")


@_kind("E301")
def metric_not_for_family(metric: str, family: str, span: Span, families: Iterable[str]) -> Parts:
    return f"`{metric}` is not defined for a {family} model", span, f"it is defined for: {_choices(families)}"


@_kind("E301")
def spectrum_needs_grid(span: Span) -> Parts:
    return "`spectrum` needs a 1-D grid input", span, "write `input x ~ grid(-5, 5, points = 101)`"


# ------------------------------------------------------------------------------------------ report


@_kind("E303")
def rates_over_unswept(axis: str, span: Span, axes: Iterable[str]) -> Parts:
    return (f"`rates over {axis}`: `{axis}` is not swept", span,
            suggestion_help(axis, axes, "swept axes") or "sweep it: `sweep { " + axis + " = [...] }`")


@_kind("E303")
def plot_against_unswept(axis: str, span: Span, candidates: Iterable[str]) -> Parts:
    return (f"cannot plot against `{axis}`: it is not swept", span,
            suggestion_help(axis, candidates, "swept axes and `step`"))


@_kind("E201")
def mark_not_number(span: Span) -> Parts:
    return "a mark is one number", span, None


# ------------------------------------------------------------------------------------------ sweep


@_kind("E201")
def range_needs_integers(span: Span) -> Parts:
    return "a range `a..b` needs integer ends", span, "for real values use `linspace(a, b, k)`"


@_kind("E303")
def empty_range(low: int, high: int, span: Span) -> Parts:
    return f"the range {low}..{high} is empty", span, None


@_kind("E201")
def count_not_positive(span: Span) -> Parts:
    return "the count must be a positive integer", span, None


@_kind("E202")
def geomspace_not_positive(span: Span) -> Parts:
    return "geomspace needs positive ends", span, None


@_kind("E201")
def sweep_value_form(key: str, span: Span) -> Parts:
    return f"`{key}` in a sweep takes a list, a range or a space", span, None


@_kind("E303")
def sweep_without_values(key: str, span: Span) -> Parts:
    return f"the sweep of `{key}` has no values", span, None


@_kind("E102")
def swept_twice(key: str, span: Span, first_line: int) -> Parts:
    return f"`{key}` is swept twice", span, f"it is first swept at line {first_line}"


@_kind("E303")
def report_setting_swept(key: str, span: Span) -> Parts:
    return (f"`{key}` cannot be swept: it is a report setting and does not change what is trained", span,
            f"set it once with `report {{ {key} = ... }}`; `mlc bounds --{key} V` shows the bounds at another "
            "value without recompiling")


@_kind("E101")
def not_sweepable(key: str, span: Span, candidates: Iterable[str]) -> Parts:
    return (f"`{key}` names nothing that can be swept", span,
            suggestion_help(key, candidates, "sweepable names")
            or "sweep a `let` constant, a name used in the spec, `seed`, or a setting such as `width`")


@_kind("E201")
def sweep_not_integer(key: str, value: float, span: Span) -> Parts:
    return (f"`{key}` takes integers; the sweep gives {value:g}", span,
            "use whole numbers, or logspace/linspace (they are rounded)")


@_kind("E202")
def negative_seed(span: Span) -> Parts:
    return "seeds must be ≥ 0", span, None


@_kind("E303")
def zip_lengths_differ(detail: str, span: Span) -> Parts:
    return (f"a zip sweep needs axes of equal length ({detail})", span,
            "use `sweep { ... }` (a product) or equalise the lists")


@_kind("E303")
def point_twice(point: str, span: Span) -> Parts:
    return f"the sweep gives the point {point} twice", span, "list each value once"


@_kind("E303")
def same_models(first: str, second: str, span: Span) -> Parts:
    return (f"the models `{first}` and `{second}` are the same run", span,
            "they have the same settings and training; remove one or change its settings")


@_kind("E303")
def axis_changes_nothing(axes: str, points: str, span: Span) -> Parts:
    return (f"sweeping {axes} does not change what is trained: {points} give the same run", span,
            "a sweep axis must change the data, a model or its training; a report setting (such as `delta`) "
            "takes one value for the whole sweep")


@_kind("E303")
def too_many_runs(count: int, limit: int, span: Span | None) -> Parts:
    return f"the sweep expands to {count:,} runs; the limit is {limit:,}", span, None


@_kind("E303")
def report_depends_on_sweep(axes: str, span: Span) -> Parts:
    return (f"the report depends on the swept {axes}", span,
            "a report has one value for the whole sweep: marks and settings in it cannot use swept names")


# ------------------------------------------------------------------------------------------ constant folding


@_kind("E101")
def unknown_name(name: str, span: Span, known: Iterable[str]) -> Parts:
    return (f"unknown name `{name}`", span, suggestion_help(name, known, "known constants")
            or "define it with `let NAME = value` or sweep it in a `sweep` block")


@_kind("E201")
def nested_vector(span: Span) -> Parts:
    return "vectors cannot be nested", span, None


@_kind("E201")
def positional_only(name: str, span: Span) -> Parts:
    return f"`{name}` takes positional arguments only here", span, None


@_kind("E201")
def wrong_arity(name: str, expected: str, span: Span) -> Parts:
    return f"`{name}` takes {expected}", span, None


@_kind("E202")
def undefined_at(name: str, argument: float, reason: str, span: Span) -> Parts:
    return f"`{name}({argument:g})` is undefined ({reason})", span, None


@_kind("E101")
def unknown_constant_function(name: str, span: Span, functions: Iterable[str]) -> Parts:
    return (f"unknown function `{name}` in a constant expression", span,
            suggestion_help(name, functions, "functions"))


@_kind("E201")
def not_a_value(what: str, found: str, span: Span) -> Parts:
    return f"{found} is not {what}", span, None


@_kind("E201")
def expected_value(what: str, span: Span) -> Parts:
    return f"expected {what}", span, None


@_kind("E201")
def only_vectors_indexed(span: Span) -> Parts:
    return "only vectors can be indexed", span, None


@_kind("E302")
def index_out_of_range(index: float, length: int, span: Span) -> Parts:
    return f"index {index:g} is out of range 1..{length}", span, None


@_kind("E201")
def vector_not_number(span: Span) -> Parts:
    return "expected a number, found a vector", span, None


@_kind("E302")
def vector_lengths_differ(left: int, right: int, span: Span) -> Parts:
    return f"vectors of lengths {left} and {right} cannot be added", span, None


@_kind("E201")
def vector_operator(op: str, span: Span) -> Parts:
    return f"`{op}` is not defined for these vector operands", span, None


@_kind("E202")
def division_by_zero(span: Span) -> Parts:
    return "division by zero", span, None


@_kind("E202")
def not_real(base: float, exponent: float, span: Span) -> Parts:
    return f"{base:g}^{exponent:g} is not a real number", span, None


@_kind("E202")
def overflow(span: Span) -> Parts:
    return "the value overflows", span, None


# ------------------------------------------------------------------------------------------ pipeline


@_kind("W101", severity="warning")
def declared_norm_below_derived(declared: float, derived: float, space: str, span: Span) -> Parts:
    return (f"the declared norm {declared:g} is below the bound {derived:.4g} that mlc derives for this target in "
            f"{space} space", span,
            "the rules give upper bounds, so the declaration may still be true; mlc uses it as declared, "
            "unverified (`mlc bounds --explain` shows the derivation)")


@_kind("E005")
def too_deep_to_compile() -> Parts:
    return ("an expression is too long or too deeply nested to compile", None,
            "split it with `let` constants or simplify it")


@_kind("E999")
def internal_error(detail: str) -> Parts:
    return f"internal error: {detail}", None, "this is a bug in mlc, not in your spec; please report it with the spec"
