"""Hashes of the IR: canonical JSON, content hashes and the one run hash.

Input:  IR objects or JSON-able values.
Output: stable hex digests.
Role:   the identity of a run (what is trained, on what, with which seed), used by the sweep, the
        examples, ``verify_plan`` and the results store.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

from pydantic import BaseModel


def canonical_json(value: Any) -> str:
    """Serialise to JSON with sorted keys and no whitespace: the input of every hash."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=True)


def content_hash(value: Any, length: int = 16) -> str:
    """A stable SHA-256 content hash (hex prefix) of an IR object or JSON-able value."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()[:length]


RUN_LABELS: tuple[str, ...] = ("index", "hash", "params", "also")
"""Fields of a :class:`Run` that label it (position, hash, swept values by key, the other points that give the
same run) and are not hashed."""
TRAIN_PLACEMENT: tuple[str, ...] = ("model", "group_cpus", "group_gpus")
"""Fields of a run's training that do not change its numbers: the name of the model it trains, and the resources
its group asks an executor for (``runtime.executors``)."""
RUN_DERIVED: tuple[str, ...] = ("conventions",)
"""Fields of a :class:`Run` derived from the others (``mlc.compiler.conventions``): they add nothing to its meaning."""


def run_hash(fields: Mapping[str, Any]) -> str:
    """The content hash of a run's meaning: what is trained, on what, with which seed.

    ``fields`` maps :class:`Run` field names to IR objects or their JSON dumps (``dict(run)`` or
    ``run.model_dump(mode="json")`` both work). Labels do not count: the run's position and swept values
    (:data:`RUN_LABELS`), the model's name, the training's reference to it and its resources (:data:`TRAIN_PLACEMENT`), and where a file input was found. Every producer of runs (the
    sweep, ``compiler.lower.examples``) and :func:`mlc.compiler.verify.verify_plan` use this one function.
    """
    meaning = {k: (v.model_dump(mode="json") if isinstance(v, BaseModel) else v)
               for k, v in fields.items() if k not in RUN_LABELS and k not in RUN_DERIVED}
    meaning["model"] = {k: v for k, v in meaning["model"].items() if k != "name"}
    meaning["train"] = {k: v for k, v in meaning["train"].items() if k not in TRAIN_PLACEMENT}
    file = meaning.get("input", {}).get("file")
    if isinstance(file, dict):  # a file input is its path as written and its content, not where it was found
        meaning["input"] = {**meaning["input"], "file": {k: v for k, v in file.items() if k != "location"}}
    init_file = meaning["model"].get("init_file")
    if isinstance(init_file, dict):  # initial weights from a file: the same rule
        meaning["model"] = {**meaning["model"], "init_file": {k: v for k, v in init_file.items() if k != "location"}}
    return content_hash(meaning)
