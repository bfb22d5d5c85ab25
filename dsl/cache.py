"""The per-user cache folder of mlc: ``$MLC_CACHE_DIR``, else ``$XDG_CACHE_HOME/mlc``, else ``~/.cache/mlc``.

Input:  the environment.
Output: :func:`cache_dir`, a path (not created here).
Role:   the one rule for where mlc keeps what it may recompute at any time (the built grammar tables,
        :mod:`mlc.dsl.grammar`; the measured machine speed, :mod:`mlc.runtime.machine`). It lives in the front
        end, the lowest stage, so that every stage can read it. Nothing in it is a result: deleting the folder
        only costs the time to rebuild it.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Where mlc keeps per-user caches."""
    override = os.environ.get("MLC_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlc"
