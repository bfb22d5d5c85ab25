"""Safety: spec text is data. Python code written in a spec is never run, and no stage hands text to an
evaluator.

Input:  specs with Python code in every place text can go (targets, names, lets, sweeps, comments);
        the source tree (dsl/, compiler/, runtime/).
Output: pass/fail.
Role:   two guards. (1) Each hostile spec is checked, compiled to every emit form and formatted, and the
        file its code would create (``PWNED``) must not appear. (2) A scan of our Python sources (with the
        ``ast`` module, so strings and comments do not count) fails on any call of ``eval``, ``exec``,
        ``compile``, ``__import__``, ``sympify``, ``parse_expr``, ``lambdify`` or ``sympy.S`` outside the
        reviewed :data:`ALLOWED` list. The theory engine may use sympy on expressions it builds, never on
        strings.
"""

from __future__ import annotations

import ast as pyast
from pathlib import Path

import pytest

from mlc.compiler.pipeline import compile_text
from mlc.dsl.formatter import format_text
from mlc.runtime.cli import main

ROOT = Path(__file__).resolve().parents[1]

HOSTILE: dict[str, str] = {
    "import_in_target": 'problem p\nlet d = 2\ninput x ~ uniform(cube(d))\n'
                        'target f*(x) = __import__("os").system("touch PWNED")\n'
                        'model net = two_layer(width = 4)\n',
    "import_without_quotes": 'problem p\nlet d = 2\ninput x ~ uniform(cube(d))\n'
                             'target f*(x) = __import__(os).system(touch) + exec(x[1]) + eval(x[2])\n'
                             'model net = two_layer(width = 4)\n',
    "builtins_as_names": '# __import__("os").system("touch PWNED")\n'
                         'problem exec  # exec("import os; os.system(\'touch PWNED\')")\n'
                         'let eval = 3\nlet open = eval + 1\nlet __import__ = 2\n'
                         'input x ~ uniform(cube(open))\ntarget f*(x) = relu(x[1])\n'
                         'model exec = two_layer(width = eval + __import__, activation = relu)\n'
                         'train exec { optimizer = gd(lr = 0.1) }   # os.system("touch PWNED")\n'
                         'sweep { __import__ = [1, 2] }\n',
    "code_in_settings": 'problem p\nlet d = 2\ninput x ~ uniform(cube(d))\ntarget f*(x) = x[1]\n'
                        'model net = two_layer(width = 4, activation = exec, scaling = open)\n'
                        'train net { loss = __import__   penalty = eval(lambda = compile)   optimizer = os }\n',
    "code_in_report": 'problem p\nlet d = 2\ninput x ~ uniform(cube(d))\ntarget f*(x) = x[1]\n'
                      'model net = two_layer(width = 4)\nsweep { seed = 0..1 }\n'
                      'report { rates over exec   plot __import__ vs open   mark seed = system(1) }\n',
    "python_statements": 'import os\nos.system("touch PWNED")\nexec(open("x").read())\n',
    "lambda_and_dunder": 'problem p\nlet f = lambda\nlet g = x.__class__.__bases__[0]\n',
    "code_in_space_and_input": 'problem p\ninput x ~ __import__(os)\ntarget f* = teacher exec(width = 1)\n'
                               'space eval(norm <= open(1))\nmodel net = two_layer(width = 4)\n',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_spec_is_data(name: str, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    text = HOSTILE[name]
    spec = tmp_path / "hostile.ml"
    spec.write_text(text, encoding="utf-8")
    outcome = compile_text(text, "hostile.ml")
    assert outcome.plan is not None or outcome.diagnostics  # data or diagnostics, nothing else
    for argv in (["check", "hostile.ml"], ["compile", "hostile.ml", "--emit", "ast"],
                 ["compile", "hostile.ml", "--emit", "ir"], ["compile", "hostile.ml", "--emit", "plan"],
                 ["fmt", "--check", "hostile.ml"], ["fmt", "hostile.ml"]):
        status = main(argv)
        output = capsys.readouterr()
        assert status in (0, 1), (argv, output)
        assert "Traceback" not in output.out + output.err
    format_text(text, "hostile.ml")
    assert not (tmp_path / "PWNED").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.ml"]


def test_names_like_builtins_compile_to_plain_data() -> None:
    outcome = compile_text(HOSTILE["builtins_as_names"], "hostile.ml")
    assert outcome.ok, outcome.rendered
    assert outcome.plan.problem == "exec"
    assert {run.model.name for run in outcome.plan.runs} == {"exec"}
    assert [run.model.width for run in outcome.plan.runs] == [4, 5]  # the swept `__import__` is a plain number


# ---------------------------------------------------------------------------------------------- source scan

BUILTIN_EVALUATORS = {"eval", "exec", "compile", "__import__"}
STRING_EVALUATORS = {"sympify", "parse_expr", "lambdify", "parse_latex", "parse_mathematica"}

# Reviewed calls: "path:function name" -> why it is safe. Empty: no evaluator is called anywhere.
ALLOWED: dict[str, str] = {}


def _evaluator_calls(path: Path) -> list[str]:
    tree = pyast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in pyast.walk(tree):
        if not isinstance(node, pyast.Call):
            continue
        func = node.func
        if isinstance(func, pyast.Name) and func.id in BUILTIN_EVALUATORS | STRING_EVALUATORS:
            found.append((func.id, node.lineno))
        elif isinstance(func, pyast.Attribute) and (
                func.attr in STRING_EVALUATORS
                or (func.attr == "S" and isinstance(func.value, pyast.Name) and func.value.id in ("sympy", "sp"))
                or (func.attr in BUILTIN_EVALUATORS and isinstance(func.value, pyast.Name)
                    and func.value.id == "builtins")):
            found.append((func.attr, node.lineno))
    rel = path.relative_to(ROOT).as_posix()
    return [f"{rel}:{name}:{line}" for name, line in sorted(found, key=lambda f: f[1]) if f"{rel}:{name}" not in ALLOWED]


def test_no_string_evaluators_in_the_source_tree() -> None:
    files = [p for folder in ("dsl", "compiler", "runtime", "mlc") for p in (ROOT / folder).rglob("*.py")]
    assert len(files) > 20
    offenders = [hit for path in files for hit in _evaluator_calls(path)]
    assert not offenders, f"review these calls (spec text must never be evaluated): {offenders}"


def test_the_scan_catches_what_it_looks_for(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    sample = tmp_path / "sample.py"
    sample.write_text("import sympy\nx = eval('1')\ny = sympy.sympify('x')\nz = sympy.S('1')\n"
                      "w = self_eval = obj.eval()\n# eval(comment)\ns = 'exec(1)'\n", encoding="utf-8")
    hits = _evaluator_calls(sample)
    assert [h.split(":", 1)[1] for h in hits] == ["eval:2", "sympify:3", "S:4"]
