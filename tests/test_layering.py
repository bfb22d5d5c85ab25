"""Import layering: imports point down the pipeline (text -> dsl -> compiler -> runtime).

Input:  the source files of the package (read as text and parsed with :mod:`ast`, never imported), and the
        command line run in a subprocess.
Output: test failures naming the module, the import and the rule it breaks.
Role:   the one place that enforces the layering rules of the project (``.ci/lint`` leaves them to pytest):

* ``mlc.dsl`` imports nothing of ours outside ``mlc.dsl``;
* ``mlc.compiler`` never imports ``mlc.runtime``;
* ``mlc.compiler.theory`` never imports ``mlc.compiler.lower``;
* the front-end commands (check, fmt, compile, bounds) never import torch (nor matplotlib).

Every import statement counts, including those inside functions: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from spec_fixtures import run_commands_importing_none

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ("dsl", "compiler", "runtime")

def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["mlc", *parts])


def _imports(path: Path) -> set[str]:
    """Every module that ``path`` imports (absolute names; ``from a import b`` counts as ``a``, and as ``a.b``
    when that is a module of ours)."""
    names: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative imports are banned by ruff (TID252); resolve them anyway
                package = _module_name(path).split(".")
                if path.name != "__init__.py":
                    package.pop()
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if _is_our_module(f"{base}.{alias.name}"))
    return names


def _is_our_module(name: str) -> bool:
    """Whether ``name`` (``mlc.compiler.ir``) is a module or package of ours, not a function or class."""
    if not _within(name, "mlc"):
        return False
    relative = Path(*name.split(".")[1:]) if "." in name else Path("mlc")
    return (ROOT / relative).with_suffix(".py").is_file() or (ROOT / relative / "__init__.py").is_file()


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _rule_broken(importer: str, imported: str) -> str | None:
    """The layering rule that ``importer`` importing ``imported`` breaks, if any."""
    if _within(importer, "mlc.dsl") and _within(imported, "mlc") and not _within(imported, "mlc.dsl"):
        return "mlc.dsl imports nothing of ours outside mlc.dsl"
    if _within(importer, "mlc.compiler") and _within(imported, "mlc.runtime"):
        return "mlc.compiler never imports mlc.runtime"
    if _within(importer, "mlc.compiler.theory") and _within(imported, "mlc.compiler.lower"):
        return "mlc.compiler.theory never imports mlc.compiler.lower"
    return None


def _violations() -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for folder in PIPELINE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            importer = _module_name(path)
            broken = {name: rule for name in _imports(path) if (rule := _rule_broken(importer, name))}
            for imported, rule in broken.items():
                # `from mlc.compiler.lower import targets` names the package and the module: report the module
                if not any(other.startswith(imported + ".") for other in broken):
                    found[(importer, imported)] = rule
    return found


def test_rules_detect_what_they_should():
    assert _rule_broken("mlc.dsl.parser", "mlc.compiler.ir")
    assert _rule_broken("mlc.dsl.parser", "mlc.runtime.cli")
    assert not _rule_broken("mlc.dsl.parser", "mlc.dsl.ast")
    assert _rule_broken("mlc.compiler.check", "mlc.runtime.results")
    assert not _rule_broken("mlc.compiler.check", "mlc.dsl.ast")
    assert _rule_broken("mlc.compiler.theory.norms", "mlc.compiler.lower.targets")
    assert not _rule_broken("mlc.compiler.lower.targets", "mlc.compiler.theory.norms")
    assert not _rule_broken("mlc.runtime.execute", "mlc.compiler.lower")


def test_import_scan_sees_lazy_and_from_imports(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import a.b\nfrom c import d\ndef f():\n    from mlc.runtime import cli\n"
                      "from mlc.compiler.ir import Plan\n")
    assert _imports(source) == {"a.b", "c", "mlc.runtime", "mlc.runtime.cli", "mlc.compiler.ir"}


def test_imports_point_down_the_pipeline():
    found = _violations()
    assert not found, "imports against the pipeline's direction:\n" + "\n".join(
        f"  {importer} imports {imported}: {rule}" for (importer, imported), rule in sorted(found.items()))


def test_front_end_commands_do_not_import_torch(tmp_path):
    """check, fmt, compile (every --emit) and bounds run in one fresh interpreter, checked after each."""
    quickstart = str(ROOT / "specs" / "quickstart.ml")
    argvs = [
        ["check", quickstart],
        ["fmt", "--check", quickstart],
        ["compile", quickstart, "--emit", "ast"],
        ["compile", quickstart, "--emit", "ir"],
        ["compile", quickstart, "--emit", "plan"],
        ["compile", quickstart, "--emit", "schema"],
        ["bounds", quickstart],
    ]
    result = run_commands_importing_none(argvs, ("torch", "matplotlib"), tmp_path)
    assert result.returncode == 0, result.stderr


def test_fmt_imports_only_the_parser_and_the_printer(tmp_path):
    """``mlc fmt`` needs the grammar, the AST and the printer: not the compiler, its pydantic IR, numpy or the
    console library (each a measurable part of its start-up, docs/performance.md "Front end")."""
    quickstart = str(ROOT / "specs" / "quickstart.ml")
    heavy = ("mlc.compiler", "pydantic", "numpy", "sympy", "rich", "torch", "importlib.metadata")
    result = run_commands_importing_none([["fmt", "--check", quickstart]], heavy, tmp_path)
    assert result.returncode == 0, result.stderr


def test_check_and_compile_import_no_numeric_or_console_library(tmp_path):
    """``mlc check`` and ``mlc compile --emit ast|ir|plan`` check and expand a spec with the parser, the checker
    and the IR alone: no numpy, sympy, scipy, rich (nor torch), nor the theory's results models (the plan's rates
    need only ``compiler.theory.rates``). ``bounds`` evaluates the theorems and may."""
    quickstart = str(ROOT / "specs" / "quickstart.ml")
    argvs = [["check", quickstart], ["compile", quickstart, "--emit", "ast"],
             ["compile", quickstart, "--emit", "ir"], ["compile", quickstart, "--emit", "plan"]]
    heavy = ("numpy", "sympy", "scipy", "rich", "torch", "matplotlib", "mlc.runtime.crash", "mlc.compiler.theory.results")
    result = run_commands_importing_none(argvs, heavy, tmp_path)
    assert result.returncode == 0, result.stderr


# No rule derives an RKHS norm from a formula and none is declared: `mlc bounds` estimates one (by the kernel
# solve, the cheapest of the fits) unless told not to.
NEEDS_A_FIT = """problem needs_a_fit
input x ~ uniform(cube(3))
target f*(x) = sin(x[1])
space rkhs
data { n = 100  n_test = 100 }
model net = two_layer(width = 8)
train net { loss = mse  optimizer = gd(lr = 0.1)  steps = 10 }
report { bounds }
"""


def test_bounds_imports_torch_only_to_fit_a_norm(tmp_path):
    """Fitting a norm samples the target and trains (the lowering's ``norm_fit``, in torch): ``mlc bounds``
    loads torch for that and only for that; with ``--no-estimate-norm`` the norm is unknown, torch stays out."""
    spec = tmp_path / "needs_a_fit.ml"
    spec.write_text(NEEDS_A_FIT, encoding="utf-8")
    code = (
        "import contextlib, io, json, sys\n"
        "from mlc.runtime.cli import main\n"
        "def bounds(*flags):\n"
        "    out = io.StringIO()\n"
        "    with contextlib.redirect_stdout(out):\n"
        f"        assert main(['bounds', {str(spec)!r}, '--json', *flags]) == 0\n"
        "    return json.loads(out.getvalue())['groups'][0]['norm']['method'], 'torch' in sys.modules\n"
        "print(json.dumps([bounds('--no-estimate-norm'), bounds()]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [["none", False], ["estimated", True]]
