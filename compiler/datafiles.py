"""Arrays read from files named in a spec: `input x ~ file("train.npz")` (or a CSV file), a teacher's
`weights = file("teacher.npz")` and a model's `init = file("net0.npz")`.

Input:  the path as written in the spec, the spec's own path, and the array shape the spec implies.
Output: :class:`~mlc.compiler.ir.DataFile` (the path as written, the content's SHA-256, the shape, the sup norm)
        for the IR, and the array itself (numpy, float64) for the lowering; or a :class:`FileProblem`.
Role:   the one place where spec text names a file. The rules (docs/language.md, "Files"):

  * the path is resolved relative to the spec's folder (the working folder for a spec read from stdin), and it
    must stay inside that folder: an absolute path, a `..` that leaves it, or a symlink that points out of it is
    refused;
  * the file's size is checked before it is read (at most :data:`MAX_FILE_BYTES`);
  * `.npz` and `.npy` files are read with ``numpy.load(allow_pickle=False)`` (never unpickled); an `.npz` holds
    the array ``x`` (or exactly one array); a `.csv` file holds rows of comma-separated numbers, with an optional
    header line of names; every value must be finite;
  * the run hash covers the path as written and the content's SHA-256, so a changed file is a changed run, and
    the lowering refuses a file whose content no longer matches the checked one.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlc.compiler import ir

MAX_FILE_BYTES = 256 * 1024 * 1024
SUFFIXES = (".npz", ".npy", ".csv")
NO_FOLDER = ("<string>", "<stdin>", "-", "")


@dataclass(frozen=True)
class FileProblem(Exception):
    """Why a file cannot be used: the message names the file; ``help`` says what to do."""

    message: str
    help: str | None = None


@dataclass(frozen=True)
class FileShapeProblem(Exception):
    """A file whose array shapes disagree with the spec: ``has`` and ``needs`` say how."""

    path: str
    has: str
    needs: str


def spec_folder(spec_path: str) -> Path:
    """The folder that relative paths of a spec are resolved in."""
    return Path.cwd() if spec_path in NO_FOLDER else Path(spec_path).resolve().parent


def resolve(written: str, spec_path: str) -> Path:
    """The file a spec names, inside the spec's folder (see the module docstring); raises FileProblem."""
    if not written:
        raise FileProblem("the file name is empty", 'write `file("data.npz")`')
    if Path(written).is_absolute() or written.startswith("~"):
        raise FileProblem(f"`{written}` is an absolute path; a spec names files relative to its own folder",
                          "copy or link the file next to the spec and write its relative path")
    if Path(written).suffix.lower() not in SUFFIXES:
        raise FileProblem(f"`{written}` is not a .npz, .npy or .csv file", None)
    folder = spec_folder(spec_path)
    path = (folder / written).resolve()
    if not path.is_relative_to(folder):
        raise FileProblem(f"`{written}` leaves the spec's folder",
                          "a spec may read only files inside its own folder")
    if not path.is_file():
        raise FileProblem(f"no file `{written}` in the spec's folder", None)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileProblem(f"`{written}` is {size:,} bytes; a data file may have at most {MAX_FILE_BYTES:,}", None)
    return path


def _read(path: Path, written: str) -> tuple[np.ndarray, str]:
    """The 2-D float64 array of a file and the SHA-256 of its bytes."""
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            lines = raw.decode("utf-8").splitlines()
            if lines and not _numeric_row(lines[0]):
                lines = lines[1:]  # a header of names
            array = np.loadtxt(io.StringIO("\n".join(lines)), delimiter=",", ndmin=2, dtype=np.float64)
        else:
            loaded = np.load(io.BytesIO(raw), allow_pickle=False)
            if isinstance(loaded, np.lib.npyio.NpzFile):
                names = list(loaded.files)
                if "x" in names:
                    array = loaded["x"]
                elif len(names) == 1:
                    array = loaded[names[0]]
                else:
                    raise FileProblem(f"`{written}` holds the arrays {', '.join(names)} but no `x`",
                                      "name the inputs `x`: numpy.savez(path, x=inputs)")
            else:
                array = loaded
    except FileProblem:
        raise
    except (ValueError, UnicodeDecodeError, OSError, EOFError) as exc:
        raise FileProblem(f"`{written}` cannot be read as numbers: {exc}", None) from None
    array = np.asarray(array)
    if array.dtype.kind not in "biuf":
        raise FileProblem(f"`{written}` holds {array.dtype} values, not numbers", None)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0:
        raise FileProblem(f"`{written}` holds an array of shape {tuple(array.shape)}; inputs are (n, d)", None)
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise FileProblem(f"`{written}` holds values that are not finite (nan or inf)", None)
    return array, digest


def _numeric_row(line: str) -> bool:
    try:
        [float(v) for v in line.split(",")]
    except ValueError:
        return False
    return True


def input_file(written: str, spec_path: str) -> ir.DataFile:
    """The IR of `file("...")` as an input law: its rows are the points; raises FileProblem. A file is read once
    per content (the checker asks at every sweep point)."""
    path = resolve(written, spec_path)
    stat = path.stat()
    return _input_file(written, path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _input_file(written: str, path: Path, mtime_ns: int, size: int) -> ir.DataFile:
    array, digest = _read(path, written)
    sup = float(np.abs(array).max())
    return ir.DataFile(path=written, sha256=digest, rows=int(array.shape[0]), columns=int(array.shape[1]),
                       sup_norm=sup if math.isfinite(sup) else math.inf, location=str(path))


MAX_TEACHER_NUMBERS = 1_000_000
"""A teacher read from a file becomes given weights in the IR: at most this many numbers."""


def teacher_file(written: str, spec_path: str, d: int) -> dict[str, tuple[float, ...] | tuple[tuple[float, ...], ...]]:
    """Given teacher weights from an `.npz` holding ``a`` (k,), ``b`` (k, d) and optionally ``c`` (k,), with the
    shapes checked against d; raises FileProblem (the message names the file and the mismatch)."""
    path = resolve(written, spec_path)
    if path.suffix.lower() != ".npz":
        raise FileProblem(f"`{written}` is not an .npz file; teacher weights are arrays a, b, c in one .npz", None)
    try:
        loaded = np.load(io.BytesIO(path.read_bytes()), allow_pickle=False)
        arrays = {name: np.asarray(loaded[name]) for name in loaded.files}
    except (ValueError, OSError, EOFError) as exc:
        raise FileProblem(f"`{written}` cannot be read as numbers: {exc}", None) from None
    missing = [name for name in ("a", "b") if name not in arrays]
    if missing:
        raise FileProblem(f"`{written}` has no array {' or '.join(missing)}; it holds {', '.join(arrays) or 'none'}",
                          "save them as numpy.savez(path, a=a, b=b, c=c)")
    a, b = arrays["a"], arrays["b"]
    k = a.shape[0] if a.ndim == 1 else -1
    shapes = {"a": (k,), "b": (k, d), **({"c": (k,)} if "c" in arrays else {})}
    for name, shape in shapes.items():
        if arrays[name].shape != shape or k < 1:
            raise FileShapeProblem(written, f"an array {name} of shape {tuple(arrays[name].shape)}",
                                   f"{tuple(shape) if k >= 1 else '(k,)'} (k units of d = {d} inputs)")
        if arrays[name].dtype.kind not in "biuf" or not np.isfinite(arrays[name]).all():
            raise FileProblem(f"`{written}`: array {name} holds values that are not finite numbers", None)
    if b.size > MAX_TEACHER_NUMBERS:
        raise FileProblem(f"`{written}` has {b.size:,} inner weights; a teacher may have at most "
                          f"{MAX_TEACHER_NUMBERS:,}", None)
    found: dict[str, tuple[float, ...] | tuple[tuple[float, ...], ...]] = {
        "a": tuple(float(v) for v in a), "b": tuple(tuple(float(v) for v in row) for row in b)}
    if "c" in arrays:
        found["c"] = tuple(float(v) for v in arrays["c"])
    return found


def _npz_arrays(path: Path, written: str, what: str) -> tuple[dict[str, np.ndarray], str]:
    """Every array of an `.npz` file (never unpickled) and the SHA-256 of its bytes; raises FileProblem."""
    if path.suffix.lower() != ".npz":
        raise FileProblem(f"`{written}` is not an .npz file; {what} are named arrays in one .npz", None)
    raw = path.read_bytes()
    try:
        loaded = np.load(io.BytesIO(raw), allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("not an .npz archive")
        arrays = {name: np.asarray(loaded[name]) for name in loaded.files}
    except (ValueError, OSError, EOFError) as exc:
        raise FileProblem(f"`{written}` cannot be read as numbers: {exc}", None) from None
    for name, array in arrays.items():
        if array.dtype.kind not in "biuf" or not np.isfinite(array).all():
            raise FileProblem(f"`{written}`: array {name} holds values that are not finite numbers", None)
    return arrays, hashlib.sha256(raw).hexdigest()


def _shape_text(shapes: dict[str, tuple[int, ...]]) -> str:
    return ", ".join(f"{name} {tuple(shape)}" for name, shape in shapes.items())


def init_file(written: str, spec_path: str) -> ir.WeightsFile:
    """`init = file("net0.npz")`: a model's initial parameters, one named array per parameter in an `.npz`; the
    result lists the shapes the file holds (:func:`init_mismatch` compares them with the model's). Raises
    FileProblem. Read once per content (the checker asks at every sweep point)."""
    path = resolve(written, spec_path)
    stat = path.stat()
    digest, shapes = _init_shapes(written, path, stat.st_mtime_ns, stat.st_size)
    return ir.WeightsFile(path=written, sha256=digest, shapes=shapes, location=str(path))


def init_mismatch(file: ir.WeightsFile, shapes: dict[str, tuple[int, ...]]) -> FileShapeProblem | None:
    """How the arrays of an initialisation file disagree with the model's parameters ``shapes`` (the family's
    ``param_shapes``), naming the first difference; None when they agree (same names, same shapes)."""
    has = file.arrays
    if has == shapes:
        return None
    missing = [name for name in shapes if name not in has]
    extra = [name for name in has if name not in shapes]
    wrong = [name for name in shapes if name in has and tuple(has[name]) != tuple(shapes[name])]
    if wrong:
        what = f"an array {wrong[0]} of shape {tuple(has[wrong[0]])}"
    elif missing:
        what = f"no array {', '.join(missing)} (it holds {', '.join(has) or 'none'})"
    else:
        what = f"the array(s) {', '.join(extra)}, which the model does not have"
    return FileShapeProblem(file.path, what, f"the model's initial parameters {_shape_text(shapes)}")


@functools.lru_cache(maxsize=16)
def _init_shapes(written: str, path: Path, mtime_ns: int, size: int) -> tuple[str, tuple[tuple[str, tuple[int, ...]], ...]]:
    arrays, digest = _npz_arrays(path, written, "initial weights")
    return digest, tuple((name, tuple(int(v) for v in array.shape)) for name, array in arrays.items())


def load_init(file: ir.WeightsFile) -> dict[str, np.ndarray]:
    """The initial parameters of a checked `init = file(...)` (float64, by name), refusing a file whose content
    changed since the check."""
    path = Path(file.location)
    if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
        raise FileProblem(f"`{file.path}` is gone or too large since the spec was checked", None)
    arrays, digest = _npz_arrays(path, file.path, "initial weights")
    if digest != file.sha256:
        raise FileProblem(f"`{file.path}` changed since the spec was checked (its SHA-256 differs)",
                          "check and run the spec again")
    return {name: arrays[name].astype(np.float64) for name in file.arrays}


def load(file: ir.DataFile) -> np.ndarray:
    """The array of a checked file, refusing one whose content changed since the check."""
    path = Path(file.location)
    if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
        raise FileProblem(f"`{file.path}` is gone or too large since the spec was checked", None)
    array, digest = _read(path, file.path)
    if digest != file.sha256:
        raise FileProblem(f"`{file.path}` changed since the spec was checked (its SHA-256 differs)",
                          "check and run the spec again")
    return array


__all__ = ["FileProblem", "FileShapeProblem", "MAX_FILE_BYTES", "init_file", "input_file", "load", "load_init", "resolve",
           "spec_folder", "teacher_file"]
