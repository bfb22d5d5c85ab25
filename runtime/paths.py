"""Paths of the files mlc writes: names from specs made safe, and folders that stay inside ``--out``.

Input:  names that come from a spec or a file name (the problem name, which is the spec file's base name when the
        spec has no ``problem`` line), the output folder and the sub-folders mlc writes into.
Output: a file-name component that names no other folder (:func:`safe_name`), the default output folder
        (:func:`default_out`), and sub-folders of ``--out`` checked not to lead out of it (:func:`folder_in`).
Role:   every file mlc writes for a run stays inside ``--out``. A spec named ``...ml`` is the problem ``..``; as a
        path that would be the current folder's parent. A ``plots/`` folder that is a symlink to somewhere else
        would be written through. The files themselves are written with ``report_store.atomic_write``, whose
        ``os.replace`` replaces a symlink rather than follow it, so only folders need checking here.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

RUNS_FOLDER = "runs"
"""The default output folder is ``runs/<problem>`` in the current folder."""

MAX_NAME = 100
"""Longest file-name component built from a name (file systems allow 255 bytes; a path must stay readable)."""


class PathError(OSError):
    """A folder under ``--out`` that mlc will not write into (a symlink that leads out of it)."""


def safe_name(name: str, fallback: str = "problem") -> str:
    """``name`` as one file-name component: letters, digits, ``_``, ``-`` and ``.`` are kept, any other run of
    characters (``/``, spaces, control and format characters) becomes ``_``; leading dots are dropped (no
    ``.``, ``..`` or hidden file), and the result is at most :data:`MAX_NAME` characters. ``fallback`` when
    nothing is left."""
    text = unicodedata.normalize("NFC", name)
    text = re.sub(r"[^\w.-]+", "_", text).lstrip(".")[:MAX_NAME]
    return text or fallback


def default_out(problem: str) -> Path:
    """The output folder when no ``--out`` is given: ``runs/<problem>``, with the problem name made safe."""
    return Path(RUNS_FOLDER) / safe_name(problem)


def folder_in(out: Path, name: str) -> Path:
    """The folder ``out/name``, created if needed; :class:`PathError` if it exists as (or through) a symlink
    that leads outside ``out``. A symlink that stays inside ``out`` is fine."""
    folder = Path(out) / name
    root = Path(out).resolve()
    if folder.is_symlink() or folder.exists():
        target = folder.resolve()
        if target != root and root not in target.parents:
            raise PathError(f"{folder} is a symlink to {target}, outside the output folder {out}; mlc does not "
                            f"write through it (remove the link, or choose another --out)")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
