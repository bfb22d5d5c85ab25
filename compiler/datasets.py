"""Labelled data sets that ship inside a package: `input x ~ digits(3, 8)` with `target f* = labels`.

Input:  the data set's name and its two classes as the spec writes them (checked against :data:`DATASETS`).
Output: :class:`~mlc.compiler.ir.DataSetRef` for the IR (name, classes, rows, columns, the bundled content's
        SHA-256, the normalisation), and for the lowering the points (float64, normalised) with their labels
        (+1 for the first class, −1 for the second); or a :class:`DataSetProblem`.
Role:   the one table of the data sets mlc knows, and the one place that loads them. The checker reads only the
        table (a front-end command imports neither torch nor the package that ships the data); the lowering
        loads the data through :func:`load`, which imports the package then and refuses data whose content
        differs from the table's hash. The run hash covers the whole :class:`~mlc.compiler.ir.DataSetRef`, so a
        run's record names the data set it was trained on.

``digits``: scikit-learn's handwritten digits (``sklearn.datasets.load_digits``, bundled in the wheel: no network),
1797 images of 8 × 8 pixels with 17 grey levels 0..16, from the UCI "Optical Recognition of Handwritten Digits"
test set. The inputs are the 64 pixels divided by 16, so x ∈ [0, 1]^64 (‖x‖_∞ ≤ 1, as the norm rules assume).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlc.compiler import ir

if TYPE_CHECKING:  # numpy only where the data are loaded: the checker reads this table without it
    import numpy as np


@dataclass(frozen=True)
class DataSetProblem(Exception):
    """Why a data set cannot be used: the message says what; ``help`` says what to do."""

    message: str
    help: str | None = None


@dataclass(frozen=True)
class KnownDataSet:
    """A registered data set: where it comes from, its classes and their sizes, and its content hash."""

    name: str
    source: str
    package: str  # the import name of the package that ships the data
    install: str  # how to install it
    counts: tuple[int, ...]  # images per class, class k at index k
    columns: int
    sha256: str  # of the float64 bytes of the raw inputs, then the int64 bytes of the class of each row
    normalization: str
    doc: str


DATASETS: dict[str, KnownDataSet] = {d.name: d for d in (
    KnownDataSet(
        name="digits", source="sklearn.datasets.load_digits", package="sklearn",
        install="pip install -e '.[datasets]'  (or: pip install scikit-learn)",
        counts=(178, 182, 177, 183, 181, 182, 181, 179, 174, 180), columns=64,
        sha256="f6d9e39f37dc45d327f6db33428ee58970ccceabb2535a5c179de35886b70443",
        normalization="pixels / 16", doc="scikit-learn's 8 x 8 handwritten digits, two of the classes 0..9"),
)}


def dataset_ref(name: str, classes: tuple[int, int]) -> ir.DataSetRef:
    """The IR of `name(c1, c2)`, from the table alone; raises DataSetProblem."""
    known = DATASETS.get(name)
    if known is None:
        raise DataSetProblem(f"no data set `{name}`", f"the data sets: {', '.join(DATASETS)}")
    top = len(known.counts) - 1
    for c in classes:
        if not 0 <= c <= top:
            raise DataSetProblem(f"`{name}` has the classes 0..{top}, not {c}", None)
    if classes[0] == classes[1]:
        raise DataSetProblem(f"the two classes of `{name}` must differ (both are {classes[0]})", None)
    return ir.DataSetRef(name=name, classes=classes, rows=sum(known.counts[c] for c in classes),
                         columns=known.columns, sha256=known.sha256, normalization=known.normalization,
                         source=known.source)


def available(name: str) -> DataSetProblem | None:
    """None when the package that ships the data set ``name`` is installed, else what to install (nothing is
    imported)."""
    import importlib.util

    known = DATASETS[name]
    if importlib.util.find_spec(known.package) is None:
        return DataSetProblem(f"the data set `{name}` ({known.source}) needs the package `{known.package}`, "
                              "which is not installed", known.install)
    return None


def load(ref: ir.DataSetRef) -> tuple[np.ndarray, np.ndarray]:
    """The points (rows, float64, normalised) and labels (+1 for ``classes[0]``, −1 for ``classes[1]``) of
    ``ref``, in the package's order; raises DataSetProblem (package missing, or content changed)."""
    return _load(ref.name, ref.classes, ref.sha256)


@functools.lru_cache(maxsize=8)
def _load(name: str, classes: tuple[int, int], sha256: str) -> tuple[np.ndarray, np.ndarray]:
    missing = available(name)
    if missing is not None:
        raise missing
    import numpy as np
    from sklearn.datasets import load_digits  # the only registered data set; here so the checker never loads it

    bunch = load_digits()
    raw = np.ascontiguousarray(bunch.data, dtype=np.float64)
    cls = np.ascontiguousarray(bunch.target, dtype=np.int64)
    digest = hashlib.sha256(raw.tobytes() + cls.tobytes()).hexdigest()
    if digest != sha256:
        raise DataSetProblem(f"the installed `{name}` data ({DATASETS[name].source}) has the SHA-256 {digest[:16]}…, "
                             f"not the {sha256[:16]}… that mlc records", "install the scikit-learn the "
                             "project pins, or report the change")
    keep = (cls == classes[0]) | (cls == classes[1])
    x = raw[keep] / 16.0
    y = np.where(cls[keep] == classes[0], 1.0, -1.0)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y
