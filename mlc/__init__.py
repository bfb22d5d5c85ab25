"""mlc: a declarative language and compiler for function-space learning experiments.

The pipeline, one stage per package:

    text --dsl--> AST with spans --compiler--> checked, typed IR --compiler--> torch plan
         --runtime--> results --runtime--> report

``mlc.dsl`` imports nothing of ours; ``mlc.compiler`` imports ``mlc.dsl``; ``mlc.runtime``
imports both.  The front-end commands (check, fmt, compile --emit) never import torch.
"""

from __future__ import annotations

from os import PathLike
from typing import Any

__version__ = "0.1.0"


def load(path: str | PathLike[str], store: str | PathLike[str] | None = None) -> Any:  # a pandas.DataFrame
    """Results as a pandas DataFrame: one row per run, a column per swept param and per final metric.

    ``path`` is a results folder (``mlc.load("runs/quickstart")``), a spec file (its runs, from the results store
    beside it), or a store folder (every stored run); ``store`` overrides where the store is. Needs pandas
    (``pip install 'mlc[frames]'``). See docs/store.md.
    """
    from mlc.runtime.store_frame import load as _load

    return _load(path, store)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext mlc`` in Jupyter or IPython: the ``%%mlc`` cell magic (``mlc.runtime.notebook``; needs IPython)."""
    from mlc.runtime.notebook import load_ipython_extension as _load_extension

    _load_extension(ipython)
