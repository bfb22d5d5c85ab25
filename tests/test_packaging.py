"""Packaging: the repository root is a plain importable tree holding one package, ``mlc``.

Input:  the checkout (the ``mlc/`` symlinks, ``pyproject.toml``) and the installed package.
Output: test failures when a pipeline package would be missing from a wheel, or when ``mlc`` is imported from
        somewhere other than this checkout's tree (an import hook, a stale copy).
Role:   keeps the layout that lets mypy, pyright and editors resolve ``mlc.*`` (README, "Layout").
"""

from __future__ import annotations

import os
from pathlib import Path

import setuptools


ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ("dsl", "compiler", "runtime")


def test_pipeline_folders_are_linked_into_the_package():
    for folder in PIPELINE:
        link = ROOT / "mlc" / folder
        assert link.is_symlink(), f"mlc/{folder} should be a symlink to ../{folder}"
        assert os.readlink(link) == f"../{folder}"


def test_every_pipeline_package_is_found_for_the_wheel():
    """setuptools' package discovery (pyproject.toml) finds every folder with an __init__.py, new ones too."""
    found = set(setuptools.find_packages(where=str(ROOT), include=["mlc", "mlc.*"]))
    expected = {"mlc"} | {
        ".".join(("mlc", *path.parent.relative_to(ROOT).parts))
        for folder in PIPELINE for path in (ROOT / folder).rglob("__init__.py")
    }
    assert found == expected


def test_mlc_is_imported_from_the_plain_tree():
    """The editable install is a path entry: mlc.compiler is mlc/compiler under the same root as mlc."""
    import mlc.compiler

    package_root = Path(mlc.__file__).resolve().parent
    assert Path(mlc.compiler.__file__).parent == package_root / "compiler"
    assert (package_root / "py.typed").is_file()
