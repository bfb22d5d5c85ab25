"""Real LaTeX for the paper tests: pdflatex, pdftotext and pdftoppm, or a skip that says why (never under CI).

``.ci/run`` installs Debian's texlive and poppler; on a developer's machine without them the tests that need
them are skipped with the reason, but under ``CI=true`` a missing tool is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

TOOLS = ("pdflatex", "pdftotext", "pdftoppm")


def require_latex() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if not missing:
        return
    reason = (f"{', '.join(missing)} not installed (apt-get install texlive-latex-base texlive-latex-recommended "
              "poppler-utils; .ci/run does)")
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must have a LaTeX: {reason}")
    pytest.skip(reason)


def pdflatex(tex: Path) -> Path:
    """Compile ``tex`` in its folder with plain pdflatex (no shell escape); the PDF, or a failure with the log."""
    require_latex()
    result = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                            cwd=tex.parent, capture_output=True, text=True, errors="replace", timeout=120)
    log = tex.with_suffix(".log")
    errors = [line for line in (log.read_text(errors="replace").splitlines() if log.exists() else [])
              if line.startswith("!")]
    assert result.returncode == 0, f"pdflatex failed on {tex.name}: {errors or result.stdout[-2000:]}"
    return tex.with_suffix(".pdf")


def pdf_text(pdf: Path) -> str:
    """The text of a PDF (pdftotext, layout kept), whitespace runs collapsed to one space."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                         timeout=60).stdout
    return " ".join(out.split())
