"""Small specs shared by the execution and store tests (a few seconds of training each), and the check that
front-end commands import no heavy module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_commands_importing_none(argvs: list[list[str]], heavy: tuple[str, ...],
                                cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run each ``mlc`` command line of ``argvs`` in one fresh interpreter (in ``cwd``), asserting after each that
    it exited 0 and imported none of ``heavy``; the caller asserts the process's return code."""
    code = (
        "import contextlib, io, sys\n"
        "from mlc.runtime.cli import main\n"
        f"for argv in {argvs!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        status = main(argv)\n"
        "    assert status == 0, (argv, status)\n"
        f"    for heavy in {heavy!r}:\n"
        "        assert heavy not in sys.modules, f'mlc {argv[0]} imported {heavy}'\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=cwd)


def teacher_spec(problem: str = "tiny", *, optimizer: str = "gd(lr = 0.1)", steps: int | str = 20,
                 record: str = "every 10: train_error, test_error",
                 sweep: str = "width = [4, 8]   seed = 0..1") -> str:
    """A two-layer ReLU net learning a width-3 teacher on the sphere in d = 3 (n = 40): the spec the execution,
    store and executor tests vary (the optimizer decides the engine: gd is the fast path, sgd autograd)."""
    return f"""problem {problem}
let d = 3
input  x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 3, activation = relu, seed = 1)
space  barron
data {{ n = 40   n_test = 100 }}
model net = two_layer(width = 8, activation = relu, scaling = standard)
train net {{
  loss      = mse
  optimizer = {optimizer}
  steps     = {steps}
  record    = {record}
}}
sweep {{ {sweep} }}
report {{ bounds }}
"""


# Two widths x two seeds of a two-layer net on a teacher, 20 GD steps: the fast path, one group.
TINY_SPEC = teacher_spec()
