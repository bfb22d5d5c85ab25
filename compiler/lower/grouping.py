"""Which runs of a plan train together.

Input:  a :class:`~mlc.compiler.ir.Plan`.
Output: a list of :class:`Group` (engine name and the runs it trains at once), in plan order of first run.
Role:   runs that differ only in per-member quantities (seed, learning rate, lambda, label noise, init scale)
        share a group and train as one ensemble (a gradient flow's group is one ODE solve). On the fast path (two_layer / random_features with full-batch
        GD) the width is per-member too: all widths are packed into one hidden dimension. Random-feature runs with
        a closed-form ``solve`` are solved one by one. Torch-free: ``compiler.resources`` estimates the very
        groups the lowering trains, and ``mlc compile`` never loads torch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from mlc.compiler import families, ir
from mlc.compiler.ir import Plan, Run
from mlc.compiler.memo import RUN_SECTIONS

Engine = str  # "fast" | "autograd" | "closed_form" | "flow"


def fast_eligible(run: Run) -> bool:
    """Whether a run can train on the packed fast path."""
    tr = run.train
    return (families.of(run.model).fast_path is not None
            and tr.solve == "gd" and tr.optimizer is not None
            and tr.optimizer.kind == "gd" and tr.optimizer.momentum == 0.0
            and tr.loss in ("mse", "half_mse")
            and (not run.model.bias or run.conventions.lr.get("c") == run.conventions.lr.get("W"))  # one buffer
            and tr.penalty.kind in ("none", "weight_decay", "path_norm"))


@dataclass
class Group:
    engine: Engine
    runs: list[Run]

    @property
    def label(self) -> str:
        r = self.runs[0]
        widths = sorted({x.model.width for x in self.runs})
        wtxt = ",".join(map(str, widths)) if len(widths) <= 6 else f"{widths[0]}..{widths[-1]}"
        return f"{r.model.name} ({r.model.family}, width {wtxt}, {len(self.runs)} runs, {self.engine})"


def engine_of(run: Run, allow_fast: bool = True) -> Engine:
    if run.train.solve != "gd":  # the checker allows it only for a family that lists the solve as a closed form
        return "closed_form"
    if run.train.flow:  # `optimizer = flow(...)`: one ODE solve per group (compiler.lower.flow)
        return "flow"
    if allow_fast and fast_eligible(run):
        return "fast"
    return "autograd"


SectionCache = dict[tuple[str, int, Engine], tuple[object, str]]
"""Section shape texts by (section, id of the IR object, engine); the object is kept so that its id is not reused."""


def _section_shape(section: str, value: object, engine: Engine) -> str:
    """The canonical JSON of one section of a run without its per-member fields."""
    assert isinstance(value, ir.IRModel)
    data = value.model_dump(mode="json")
    if section == "model":
        data.pop("init_scale", None)
        data.pop("seed", None)  # the init seed, like the run's seed, is per member
        if engine == "fast":
            data.pop("width", None)
    elif section == "data":
        for key in ("noise", "seed", "noise_seed"):
            data.pop(key, None)
    elif section == "train":
        data["optimizer"].pop("lr", None)
        data["optimizer"].pop("rho", None)  # msa's rho is per member (compiler.lower.msa)
        data["penalty"].pop("lam", None)
    return json.dumps(data, sort_keys=True)


def group_key(run: Run, engine: Engine, cache: SectionCache | None = None) -> str:
    """The shape of a run: everything except the per-member quantities (index, hash, seed, params, the derived
    conventions, and the per-member fields of its sections; the width too on the fast path). With
    ``cache`` (one per plan), each IR object that runs share is serialised once."""
    if engine == "closed_form":
        return f"closed_form:{run.index}"
    parts = [engine]
    for section in RUN_SECTIONS:  # with their per-member fields removed (_section_shape)
        value = getattr(run, section)
        slot = (section, id(value), engine)
        found = cache.get(slot) if cache is not None else None
        if found is None:
            found = (value, _section_shape(section, value, engine))
            if cache is not None:
                cache[slot] = found
        parts.append(found[1])
    parts.append(json.dumps(list(run.also), sort_keys=True))
    return "\n".join(parts)


def group_runs(plan: Plan, allow_fast: bool = True) -> list[Group]:
    """Partition the plan's runs into training groups."""
    groups: dict[str, Group] = {}
    cache: SectionCache = {}
    for run in plan.runs:
        engine = engine_of(run, allow_fast)
        key = group_key(run, engine, cache)
        if key not in groups:
            groups[key] = Group(engine, [])
        groups[key].runs.append(run)
    return list(groups.values())
