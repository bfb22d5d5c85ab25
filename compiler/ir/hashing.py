"""Hashes of the IR: canonical JSON, content hashes and the one run hash.

Input:  IR objects or JSON-able values.
Output: stable hex digests.
Role:   the identity of a run (what is trained, on what, with which seed), used by the sweep, the
        examples, ``verify_plan`` and the results store.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any, Mapping

from pydantic import BaseModel


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=True)
"""The encoder ``json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=True)`` builds on every call
(the same settings, so the same text), built once: on a small section its construction cost as much as encoding."""


def canonical_json(value: Any) -> str:
    """Serialise to JSON with sorted keys and no whitespace: the input of every hash."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return _CANONICAL.encode(value)


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


def section_meaning(name: str, dump: Any) -> Any:
    """The part of one :class:`Run` field's JSON dump that counts for the run hash (see :func:`run_hash`): the model
    without its name, the training without :data:`TRAIN_PLACEMENT`, a file input or initial-weights file without
    where it was found. Other fields count whole. ``dump`` is not modified."""
    if name == "model" and isinstance(dump, dict):
        dump = {k: v for k, v in dump.items() if k != "name"}
        init_file = dump.get("init_file")
        if isinstance(init_file, dict):  # initial weights from a file: its path as written and its content
            dump["init_file"] = {k: v for k, v in init_file.items() if k != "location"}
    elif name == "train" and isinstance(dump, dict):
        dump = {k: v for k, v in dump.items() if k not in TRAIN_PLACEMENT}
    elif name == "input" and isinstance(dump, dict):
        file = dump.get("file")
        if isinstance(file, dict):  # a file input is its path as written and its content, not where it was found
            dump = {**dump, "file": {k: v for k, v in file.items() if k != "location"}}
    return dump


def section_json(name: str, value: Any) -> str:
    """The canonical JSON of what one :class:`Run` field (an IR object or its dump) adds to the run hash."""
    dump = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    return canonical_json(section_meaning(name, dump))


@functools.lru_cache(maxsize=None)
def _key_json(key: str) -> str:
    return json.dumps(key)


def _digest(sections: Mapping[str, str]) -> str:
    """The run hash from each hashed field's canonical JSON. ``json.dumps(..., sort_keys=True)`` of a dict is
    ``{`` + the sorted ``"key":value`` pairs joined by ``,`` + ``}``, so these bytes are exactly the canonical JSON
    of the whole meaning (:func:`content_hash` of it), built from parts that runs share."""
    text = "{" + ",".join(f"{_key_json(k)}:{sections[k]}" for k in sorted(sections)) + "}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class RunHasher:
    """:func:`run_hash` for many runs that share IR objects (the runs of a sweep share their input, target, space,
    data and often model and training): each object's :func:`section_json` is computed once, then each run costs
    a string join and a SHA-256. The objects are kept, so an id is never reused for another one while the hasher
    lives; IR objects are frozen, so an object's JSON does not change."""

    def __init__(self) -> None:
        self._json: dict[tuple[str, int], tuple[object, str]] = {}
        self._runs: dict[tuple[Any, ...], tuple[tuple[Any, ...], str]] = {}
        self.dumped = 0
        """How many sections were serialised (each distinct object once per field name)."""

    def section(self, name: str, value: Any) -> str:
        """The canonical JSON of field ``name``'s meaning, cached per IR object."""
        if not isinstance(value, BaseModel):
            return str(value) if type(value) is int else section_json(name, value)  # the seed: its JSON is its str
        key = (name, id(value))
        found = self._json.get(key)
        if found is None:
            self.dumped += 1
            found = self._json[key] = (value, section_json(name, value))
        return found[1]

    def __call__(self, fields: Mapping[str, Any]) -> str:
        """The run hash of ``fields`` (as :func:`run_hash` takes them)."""
        return _digest({k: self.section(k, v) for k, v in fields.items()
                        if k not in RUN_LABELS and k not in RUN_DERIVED})

    def of_parts(self, names: tuple[str, ...], parts: tuple[Any, ...], seed: int) -> str:
        """The run hash of the fields ``names`` holding ``parts`` (IR objects), and ``seed``: what ``self({**dict(zip(
        names, parts)), "seed": seed})`` gives, kept by the objects' ids, so that the same objects and seed again
        (``verify_plan`` after ``build_plan``) cost a tuple and a lookup. The parts are kept with it: their ids are
        theirs while the hasher lives."""
        key = (names, *map(id, parts), seed)
        found = self._runs.get(key)
        if found is None:
            sections = {name: self.section(name, part) for name, part in zip(names, parts)}
            sections["seed"] = self.section("seed", seed)
            found = self._runs[key] = (parts, _digest(sections))
        return found[1]


def run_hash(fields: Mapping[str, Any]) -> str:
    """The content hash of a run's meaning: what is trained, on what, with which seed.

    ``fields`` maps :class:`Run` field names to IR objects or their JSON dumps (``dict(run)`` or
    ``run.model_dump(mode="json")`` both work). Labels do not count: the run's position and swept values
    (:data:`RUN_LABELS`), the model's name, the training's reference to it and its resources
    (:data:`TRAIN_PLACEMENT`), and where a file input was found (:func:`section_meaning`). It is
    :func:`content_hash` of that meaning. Every producer of runs (the sweep, ``compiler.lower.examples``) and
    :func:`mlc.compiler.verify.verify_plan` use this function, or :class:`RunHasher`, the same bytes with each
    shared object serialised once.
    """
    return RunHasher()(fields)
