"""The cache key of a run, and the explanation of why two keys differ.

Input:  a :class:`~mlc.compiler.ir.Run`, the training group it belongs to (engine, member hashes, thread count),
        the dtype and the device class; for explanations, the key parts of a stored run.
Output: :class:`KeyParts` (every part of the key, JSON-able, stored with each run) and its hash
        (:meth:`KeyParts.key`); :func:`explain_difference` lists the parts that differ, in words
        ("torch 2.13.0 -> 2.14.0", "lr 0.1 -> 0.2").
Role:   one place that decides what a stored result depends on. A run's numbers are a function of
          * its normalised run IR (``run.hash``: model, training, data, target, seed; not its position or name),
          * the code that trains and measures it (mlc's version and a fingerprint of the ``compiler`` sources
            and ``runtime/execute.py``, so that an edited lowering or theory is never served stale results),
          * torch's version, the device class (``cpu``, or ``cuda:<GPU name>``) and the dtype,
          * the determinism settings: the engine, the training group, and the thread count where it matters.
        The group is part of the key because members of one ensemble are computed in one batched kernel whose
        rounding can depend on the other members (measured on CPU: an autograd member trained alone differs
        from the same member in an ensemble of two in the last bit; on the fast path the packed width layout
        depends on every member). The thread count is recorded where the engine does not fix it itself: the
        fast path splits rows the same way whatever the threads, small autograd ensembles use one thread, and
        everything else uses ``torch.get_num_threads()``. See docs/store.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from mlc.compiler.ir import Run, canonical_json, content_hash

KEY_VERSION = 1
"""Bump when the meaning of a key part changes: every stored run then misses."""


def _source_fingerprint() -> str:
    """SHA-256 prefix of the sources that determine trained numbers and bounds (compiler/ and execute.py)."""
    import mlc.compiler
    import mlc.runtime.execute

    digest = hashlib.sha256()
    roots = [Path(p) for p in mlc.compiler.__path__]
    files = sorted(f for root in roots for f in root.rglob("*.py")) + [Path(mlc.runtime.execute.__file__)]
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


_FINGERPRINT: list[str] = []


def code_version() -> str:
    """``<mlc version>+<source fingerprint>``, computed once per process."""
    if not _FINGERPRINT:
        from mlc import __version__
        _FINGERPRINT.append(f"{__version__}+{_source_fingerprint()}")
    return _FINGERPRINT[0]


@dataclass(frozen=True)
class Determinism:
    """What, besides the run itself, decides its numbers on the engine that trains it."""

    engine: str  # "fast" | "autograd" | "closed_form"
    group: tuple[str, ...] = ()  # run hashes of the whole training group, sorted (empty: trained alone)
    threads: int | None = None  # torch intra-op threads, where the engine does not fix them (None: irrelevant)


@dataclass(frozen=True)
class KeyParts:
    """Every part of a run's cache key (stored beside the run, for ``--explain-cache`` and ``mlc runs``)."""

    run: str  # the run hash (normalised run IR)
    code: str  # mlc version + source fingerprint
    torch: str
    device: str  # device class: "cpu" or "cuda:<name>"
    dtype: str
    determinism: Determinism = field(default_factory=lambda: Determinism("autograd"))
    key_version: int = KEY_VERSION

    def to_json(self) -> dict[str, Any]:
        det = self.determinism  # by hand, not dataclasses.asdict: that deep-copies the group's hashes one by one
        return {"run": self.run, "code": self.code, "torch": self.torch, "device": self.device, "dtype": self.dtype,
                "determinism": {"engine": det.engine, "group": list(det.group), "threads": det.threads},
                "key_version": self.key_version}

    @staticmethod
    def from_json(data: dict[str, Any]) -> "KeyParts":
        det = dict(data.get("determinism") or {})
        det["group"] = tuple(det.get("group") or ())
        return KeyParts(run=str(data["run"]), code=str(data["code"]), torch=str(data["torch"]),
                        device=str(data["device"]), dtype=str(data["dtype"]), determinism=Determinism(**det),
                        key_version=int(data.get("key_version", 0)))

    @cached_property
    def _key(self) -> str:
        return content_hash(self.to_json(), length=32)

    def key(self) -> str:
        """The store key: a content hash of every part (32 hex digits), computed once per (frozen) KeyParts."""
        return self._key


def group_signature(runs: list[Run]) -> tuple[str, ...]:
    """The sorted run hashes of a training group (part of each member's key)."""
    return tuple(sorted(r.hash for r in runs))


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return canonical_json(value) if isinstance(value, (dict, list)) else str(value)


def ir_leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested JSON into ``{"train.optimizer.lr": 0.1, ...}``."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(ir_leaves(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def ir_differences(old: dict[str, Any], new: dict[str, Any], old_params: dict[str, float],
                   new_params: dict[str, float]) -> list[str]:
    """The differences between two run IRs (as JSON), swept params named by their axis key first."""
    out = [f"{k} {_fmt(old_params.get(k, '-'))} -> {_fmt(new_params.get(k, '-'))}"
           for k in sorted(set(old_params) | set(new_params)) if old_params.get(k) != new_params.get(k)]
    skip = {"index", "hash", "params"}
    a = ir_leaves({k: v for k, v in old.items() if k not in skip})
    b = ir_leaves({k: v for k, v in new.items() if k not in skip})
    named = {k.rsplit(".", 1)[-1].split(":")[-1] for k in set(old_params) | set(new_params)}
    for path in sorted(set(a) | set(b)):
        if a.get(path) != b.get(path) and path.rsplit(".", 1)[-1] not in named:
            out.append(f"{path} {_fmt(a.get(path, '-'))} -> {_fmt(b.get(path, '-'))}")
    return out


def parts_differences(old: KeyParts, new: KeyParts) -> list[str]:
    """The key parts other than the run IR that differ, in words."""
    out = []
    for name in ("code", "torch", "device", "dtype", "key_version"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            out.append(f"{'mlc' if name == 'code' else name.replace('_', ' ')} {a} -> {b}")
    da, db = old.determinism, new.determinism
    if da.engine != db.engine:
        out.append(f"engine {da.engine} -> {db.engine}")
    if da.threads != db.threads:
        out.append(f"threads {da.threads} -> {db.threads}")
    if da.group != db.group:
        gone, added = len(set(da.group) - set(db.group)), len(set(db.group) - set(da.group))
        out.append(f"training group {len(da.group)} -> {len(db.group)} runs ({added} added, {gone} removed; "
                   f"the {da.engine} engine's numbers depend on the group)")
    return out
