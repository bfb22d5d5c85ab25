"""``--explain-cache``: why each run of a plan was a hit or a miss.

Input:  the plan, the open store, every run's :class:`~mlc.runtime.store_keys.KeyParts`, the indices that missed.
Output: one line per run: ``hit`` or ``miss`` with the key parts that differ from the nearest stored run of the same
        problem ("torch 2.13.0 -> 2.14.0", "lr 0.1 -> 0.2", "training group 12 -> 12 runs ...").
Role:   the nearest stored run is one with the same run hash if there is one (then only environment or
        determinism parts differ), otherwise the stored run of the same problem whose run IR differs in the
        fewest places.
"""

from __future__ import annotations

from mlc.compiler.ir import Plan, Run
from mlc.runtime.store import Store, StoredRun
from mlc.runtime.store_keys import KeyParts, ir_leaves, ir_differences, parts_differences

MAX_CANDIDATES = 2000
"""Most recent stored runs of the problem compared against (explanations stay fast on a big store)."""


def _label(run: Run) -> str:
    params = ", ".join(f"{k} {v:g}" for k, v in run.params.items())
    return f"run {run.index} ({params})" if params else f"run {run.index}"


def _nearest(run: Run, parts: KeyParts, candidates: list[tuple[StoredRun, dict]]) -> list[str]:
    same = [c for c in candidates if c[0].run_hash == run.hash]
    if same:
        best = min(same, key=lambda c: len(parts_differences(c[0].parts, parts)))
        return parts_differences(best[0].parts, parts) or ["same key parts (the stored payload was unreadable)"]
    mine = run.model_dump(mode="json")
    flat = ir_leaves({k: v for k, v in mine.items() if k not in ("index", "hash", "params")})

    def distance(item: tuple[StoredRun, dict]) -> int:
        other = ir_leaves({k: v for k, v in item[1].items() if k not in ("index", "hash", "params")})
        return sum(1 for p in set(flat) | set(other) if flat.get(p) != other.get(p))

    stored, ir = min(candidates, key=distance)
    diffs = ir_differences(ir, mine, stored.params, dict(run.params))
    return diffs + parts_differences(stored.parts, parts)


def explain(plan: Plan, store: Store, parts: dict[int, KeyParts], missed: set[int], rerun: bool) -> list[str]:
    """One line per run of ``plan`` (see the module docstring)."""
    lines = []
    candidates: list[tuple[StoredRun, dict]] | None = None
    for run in plan.runs:
        head = f"{_label(run)} {run.hash}"
        if run.index not in missed:
            lines.append(f"{head}: hit (key {parts[run.index].key()[:12]})")
            continue
        if rerun:
            lines.append(f"{head}: miss: --rerun")
            continue
        if candidates is None:
            rows = store.runs(plan.problem)[-MAX_CANDIDATES:]
            candidates = [(r, r.run_ir()) for r in rows]
        if not candidates:
            lines.append(f"{head}: miss: no stored run of problem {plan.problem} in {store.root}")
            continue
        lines.append(f"{head}: miss: " + "; ".join(_nearest(run, parts[run.index], candidates)))
    return lines
