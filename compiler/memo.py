"""What the runs of a plan share, computed once per IR object: the run hash's section JSON and the conventions.

Input:  the IR objects of runs (a sweep's runs share their input, target, space, data, and often model and training).
Output: :class:`RunMemo`: each run's hash (:class:`~mlc.compiler.ir.hashing.RunHasher`) and conventions block
        (:func:`mlc.compiler.conventions.resolve`), each part computed once per distinct object.
Role:   the per-run cost of a sweep. :func:`mlc.compiler.expand.build_plan` fills one as it builds the runs;
        :func:`mlc.compiler.verify.verify_plan` given the same one recomputes every run's hash and conventions from
        the objects the run holds, without serialising or resolving again an object the producer already did.
        IR objects are frozen, so what was computed from an object still holds; a run built from other objects
        (a copy, another producer) is computed afresh. The memo keeps the objects, so an id is never reused for
        another one while it lives: keep it no longer than one plan's compilation.
"""

from __future__ import annotations

from mlc.compiler import conventions, ir
from mlc.compiler.ir.hashing import RunHasher

RUN_SECTIONS: tuple[str, ...] = tuple(name for name in ir.Run.model_fields
                                      if name not in (*ir.RUN_LABELS, *ir.RUN_DERIVED, "seed"))
"""The IR objects a run is made of, in field order (model, train, input, target, space, data): its fields less the
labels, the derived conventions and the seed. A run's hash is these and the seed (``RunHasher.of_parts``)."""


class RunMemo:
    """Run hashes and conventions blocks from IR objects, each object's part computed once."""

    def __init__(self) -> None:
        self.hasher = RunHasher()
        self._conventions: dict[tuple[int, ...], tuple[tuple[object, ...], ir.Conventions]] = {}
        self.resolved = 0
        """How many conventions blocks were resolved (one per distinct (model, train, input, data))."""

    def conventions(self, model: ir.Model, train: ir.Train, dist: ir.InputDist, data: ir.Data) -> ir.Conventions:
        """:func:`mlc.compiler.conventions.resolve` of these objects, once per distinct combination."""
        parts = (model, train, dist, data)
        key = tuple(id(p) for p in parts)
        found = self._conventions.get(key)
        if found is None:
            self.resolved += 1
            found = self._conventions[key] = (parts, conventions.resolve(model, train, dist, data))
        return found[1]
