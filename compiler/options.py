"""How mlc does its work: the options that change cost or strategy, never a spec's meaning.

Input:  nothing (a value built by a command from its flags, or by a test).
Output: :class:`Options`, one frozen value passed down from the command to the stage that needs each field.
Role:   the single place for these switches and their defaults (cf. FFCx's ``options.py``); no stage keeps a
        module-global switch of its own. Caches built from an :class:`Options` live as long as the object that
        owns them (e.g. :class:`mlc.compiler.theory.norm_cache.NormCache`, one per plan evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    """Switches of the theory and the lowering. The defaults are what ``mlc compile-and-run`` does."""

    estimate_norms: bool = True
    """When no rule gives a target's norm and no ``norm <= Q`` is declared, estimate it by fitting (labelled
    "estimated"; a few seconds per target). Off: the bounds that need the norm say it is unknown."""

    parallel_rows: bool = True
    """Fast path (``compiler.lower.fastpath``): on a multi-core CPU, run the fixed row ranges in parallel
    threads. The numbers are the same either way (the row split does not depend on it); only speed changes."""
