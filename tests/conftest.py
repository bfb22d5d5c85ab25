"""Shared test configuration.

Norm estimation by fitting (the default of ``mlc compile-and-run`` and ``mlc bounds`` when no rule gives a
target's norm) costs seconds per target; unit tests switch it off unless they test it
(``tests/test_theory_norms.py::test_norm_is_estimated_by_default_when_no_rule_applies``).
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_default_norm_estimates(request, monkeypatch):
    if "estimates_norms" in request.keywords:
        yield
        return
    import mlc.compiler.theory as theory

    monkeypatch.setattr(theory, "ESTIMATE_BY_DEFAULT", False)
    theory._NORM_CACHE.clear()
    yield
    theory._NORM_CACHE.clear()
