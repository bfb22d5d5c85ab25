"""The resource plan: what a plan costs in memory, FLOPs and recorded curves, before anything is allocated.

Input:  a checked :class:`~mlc.compiler.ir.Plan`, the dtype it will train in and whether the fast path is allowed.
Output: :class:`PlanEstimate`: for every training group exactly as :mod:`mlc.compiler.lower.grouping` forms it,
        its peak bytes (parameters, optimizer state, activations, data) and FLOPs; the recorded curves' bytes in
        memory and on disk; the whole plan's peak and FLOPs; and, for each run, its cost when trained alone
        (:func:`estimate_runs` of that run), so that one oversized run can be refused while its small siblings still train.
Role:   arithmetic only (no torch: ``mlc compile --emit plan`` prints the estimate). The model follows the
        lowering's buffers (``compiler.lower.ensemble``, ``fastpath``, ``fastpath_rows``, ``measure``,
        ``closed_forms``, ``samplers``); the runtime compares it with the machine (``runtime.machine``) and
        turns FLOPs into seconds with a measured speed. The estimate is not part of a run's meaning: it is never
        hashed. docs/performance.md says what is counted and how close it is (tests/test_resources.py measures).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from mlc.compiler import families
from mlc.compiler.ir import Plan, Run, canonical_json
from mlc.compiler.lower.blocks import ROW_WORKERS, eval_block_rows, fast_block_rows, widest_layer
from mlc.compiler.lower.grouping import Group, group_runs
from mlc.compiler.theory.limits import MAX_KERNEL_N, MAX_KERNEL_TEST, has_infinite_width_limit

DTYPE_BYTES = {"float32": 4, "float64": 8}
CURVE_POINT_MEMORY = 130
"""Bytes of memory per recorded value: the tracker's step and value lists (a Python int and float each), the
result's copies and their JSON text when the results are written."""
CURVE_POINT_DISK = 50
"""Bytes on disk per recorded value: about 25 characters of JSON in results.json and again in the store."""


@dataclass(frozen=True)
class Setup:
    """How the plan will train: the dtype, the device type and whether the packed fast path is allowed."""

    dtype: str = "float32"
    device: str = "cpu"  # "cpu" or "cuda"
    allow_fast: bool = True

    @property
    def size(self) -> int:
        """Bytes per number."""
        return DTYPE_BYTES[self.dtype]


@dataclass(frozen=True)
class Memory:
    """Peak bytes of one group, by what holds them."""

    params: int = 0  # parameters, their initial copies and gradients
    optimizer: int = 0  # optimizer state (momentum, Adam's moments)
    activations: int = 0  # what a training step or a measurement holds at its peak
    data: int = 0  # the group's own copies of the data (stacked or packed inputs and labels)

    @property
    def total(self) -> int:
        return self.params + self.optimizer + self.activations + self.data


@dataclass(frozen=True)
class GroupCost:
    """One training group: its runs, its peak memory, its FLOPs and the steps it takes."""

    label: str
    engine: str
    runs: tuple[int, ...]  # run indices
    memory: Memory
    flops: float
    steps: int  # the steps of the training loop (0 for a closed form)
    ops_per_step: int  # kernel launches (or Python-level tensor ops) per step: what a tiny step costs


@dataclass(frozen=True)
class PlanEstimate:
    """The whole plan: groups train one after the other while the data of every run stays cached."""

    dtype: str
    groups: tuple[GroupCost, ...]
    data: int  # bytes of every distinct data set (kept for the whole execution)
    data_transient: int  # the largest extra while one data set is drawn (float64, with the target's temporaries)
    curves: int  # bytes of the recorded curves in memory
    curves_disk: int  # bytes of the recorded curves in the results files
    curve_values: int  # recorded values (points x metrics), all runs together
    kernels: int  # the largest infinite-width prediction's kernel matrices (after its group has trained)
    theory: int  # the theory's norm rules and norm estimate for the largest target (``theory_bytes``)

    @property
    def peak(self) -> int:
        """Peak bytes: the data and the curves, with the largest group, the drawing of a data set or a kernel
        prediction on top (they happen one after the other)."""
        largest = max((g.memory.total for g in self.groups), default=0)
        return self.data + self.curves + max(largest, self.data_transient, self.kernels, self.theory)

    @property
    def flops(self) -> float:
        return sum(g.flops for g in self.groups)

    def to_json(self) -> dict[str, object]:
        return {"dtype": self.dtype, "peak_bytes": self.peak, "flops": self.flops, "data_bytes": self.data,
                "curves_bytes": self.curves, "curves_disk_bytes": self.curves_disk,
                "curve_values": self.curve_values, "kernel_bytes": self.kernels, "theory_bytes": self.theory,
                "groups": [{"label": g.label, "engine": g.engine, "runs": list(g.runs), "bytes": g.memory.total,
                            "params_bytes": g.memory.params, "optimizer_bytes": g.memory.optimizer,
                            "activations_bytes": g.memory.activations, "data_bytes": g.memory.data,
                            "flops": g.flops, "steps": g.steps} for g in self.groups]}


# ------------------------------------------------------------------------------------------ shapes


def _layers(run: Run) -> tuple[tuple[int, int], ...]:
    return families.of(run.model).layers(run.model, run.input.dim)


def _param_count(run: Run) -> int:
    """Weights and biases of one member (a bias vector per map except the output, as the families allocate)."""
    layers = _layers(run)
    return sum(i * o for i, o in layers) + sum(o for _, o in layers[:-1])


def _trained_count(run: Run) -> int:
    """Trained parameters of one member: all of them, or only the output layer for random features."""
    fast = families.of(run.model).fast_path
    if fast is not None and not fast.inner_trained:
        return run.model.width
    return _param_count(run)


def _macs(run: Run) -> int:
    """Multiply-adds of one forward pass per sample."""
    return sum(i * o for i, o in _layers(run))


def _hidden_sum(run: Run) -> int:
    return sum(o for _, o in _layers(run))


def _train_rows(run: Run) -> int:
    return (run.input.points or 101) if run.input.kind == "grid" else run.data.n


def _step_rows(run: Run) -> int:
    """Samples per step: the minibatch of SGD, else the whole training set."""
    opt = run.train.optimizer
    if opt is not None and opt.kind == "sgd" and opt.batch:
        return min(opt.batch, _train_rows(run))
    return _train_rows(run)


def _horizon(run: Run) -> int:
    """The steps of a training, or a flow's time t (its `record = every N` counts units of t)."""
    if run.train.flow and run.train.time is not None:
        return int(run.train.time)
    return run.train.steps or 0


def _record_points(run: Run) -> int:
    """Recorded points of one run (an upper bound: a stopping rule may end training earlier)."""
    every = run.train.record.every
    if every <= 0 or not run.train.record.metrics:
        return 0
    steps = _horizon(run)
    return steps // every + 2  # step 0, every `every` steps, and the final point


def _recorded_values(run: Run) -> int:
    metrics = len(run.train.record.metrics) + 2 * ("spectrum" in run.train.record.metrics)  # up to 3 peaks
    return _record_points(run) * metrics


def _measurements(run: Run) -> int:
    """Measurements during training (record steps, or every step for a stopping rule on a test metric)."""
    every = run.train.record.every
    steps = _horizon(run)
    if every > 0:
        return steps // every + 1
    if run.train.stop is not None and run.train.stop.metric not in ("train_error", "train_error_raw", "train_loss"):
        return steps
    return 0


def _data_sets(groups: list[Group]) -> dict[tuple[str, int, float], Run]:
    """One run per distinct data set, as ``runtime.execute`` caches them (by input, data, target and seed). Inside
    a group only the seed and the noise can differ (``group_key``), so one JSON text per group suffices."""
    found: dict[tuple[str, int, float], Run] = {}
    for group in groups:
        first = group.runs[0]
        shared = canonical_json({"input": first.input.model_dump(mode="json"), "target": first.target.model_dump(
            mode="json"), "n": first.data.n, "n_test": first.data.n_test})
        for run in group.runs:
            found.setdefault((shared, run.seed, run.data.noise), run)
    return found


def _data_bytes(run: Run, s: int) -> int:
    """The cached data set: x_train, f_train, y_train, x_test, f_test."""
    return (_train_rows(run) + run.data.n_test) * (run.input.dim + 2) * s


def _kernel_bytes(run: Run) -> int:
    """The infinite-width prediction (``compiler.theory.kernels``): float64 Gram matrices of the training set
    against itself and the first test inputs, with about five temporaries of that size (angles, eigenvectors)."""
    n = _train_rows(run)
    if not has_infinite_width_limit(run.model) or run.data.n > MAX_KERNEL_N:
        return 0
    return 6 * 8 * n * (n + min(run.data.n_test, MAX_KERNEL_TEST))


NORM_ESTIMATE_SAMPLES = 1000  # = compiler.lower.norm_fit.FittingNormEstimator's samples
NORM_ESTIMATE_WIDTH = 256  # and its width


def _expr_nodes(data: object) -> int:
    """Nodes of a dumped expression (dicts), each of which the norm rules may turn into a d-vector."""
    if isinstance(data, dict):
        return 1 + sum(_expr_nodes(v) for v in data.values())
    if isinstance(data, list):
        return sum(_expr_nodes(v) for v in data)
    return 0


def theory_bytes(run: Run, estimate_norms: bool = True) -> int:
    """What the theory holds while it bounds one run's target: the norm rules' affine forms (a float64 d-vector
    per node of the target, ``compiler.theory.exprs``), a teacher's weights, and, when the norm may be
    estimated by fitting (``compiler.theory.estimate``), its samples and its width-256 net with Adam's state."""
    d = run.input.dim
    target = run.target.model_dump(mode="json")
    rules = 8 * d * (_expr_nodes(target) + 2)
    teacher = 8 * d * int(target.get("width", 0)) * 3
    fitted = 8 * d * (3 * NORM_ESTIMATE_SAMPLES + 6 * NORM_ESTIMATE_WIDTH) if estimate_norms else 0
    return rules + teacher + fitted


def _data_transient(run: Run) -> int:
    """Drawing one data set: everything in float64 first, with about two (N, d) temporaries of the target."""
    rows = _train_rows(run) + run.data.n_test
    return rows * (run.input.dim + 2) * 8 + 2 * max(_train_rows(run), run.data.n_test) * run.input.dim * 8


# ------------------------------------------------------------------------------------------ groups


def _measure_peak(runs: list[Run], s: int) -> int:
    """``compiler.lower.measure`` on an ensemble: stacked inputs, one block's forward, the feature SVD."""
    E, run = len(runs), runs[0]
    n, nt, d = _train_rows(run), run.data.n_test, run.input.dim
    stacks = E * (n + nt) * (d + 2) * s
    block = 2 * E * min(eval_block_rows(run, E), max(n, nt)) * widest_layer(run) * s + E * (n + nt) * s
    svd = 3 * n * run.model.width * 8 if "lambda_min" in families.of(run.model).diagnostics else 0
    return stacks + max(block, svd)


def _autograd(runs: list[Run], setup: Setup) -> tuple[Memory, float, int]:
    s = setup.size
    E, run = len(runs), runs[0]
    P, T = _param_count(run), _trained_count(run)
    b, n, d = _step_rows(run), _train_rows(run), run.input.dim
    opt = run.train.optimizer
    state = 2 if opt is not None and opt.kind == "adam" else int(opt is not None and opt.momentum > 0)
    # float64 inits of the members, their float64 stack, the parameters, their initial copy and the gradients
    params = E * P * 16 + E * P * 2 * s + E * T * s
    data = E * n * (d + 3) * s + (E * b * (d + 1) * s if b < n else 0)
    # the graph holds one activation per layer; the backward pass about four of the widest layer at a time (the
    # incoming gradient, the activation's backward, the gradient passed down and its accumulation; measured)
    step = E * b * (_hidden_sum(run) + 4 * widest_layer(run)) * s
    activations = max(step, _measure_peak(runs, s))
    steps = run.train.steps or 0
    # An MSA iteration is a pass forward and back and `inner_steps` ascent steps whose gradient goes through a
    # vector-Jacobian product (a double backward): about 1 + 2 inner_steps gradient steps (measured on small
    # ResNets: 8 to 9 at 5, benchmarks/msa_cost.py and specs/paper/continuous_msa.ml).
    work = 1 + 2 * opt.inner_steps if opt is not None and opt.kind == "msa" else 1
    flops = steps * 6.0 * work * E * b * _macs(run) + (_measurements(run) + 1) * 2.0 * E * (n + run.data.n_test) * _macs(run)
    return Memory(params, E * T * state * s, activations, data), flops, (12 * len(_layers(run)) + 30) * work


def _fast(runs: list[Run], setup: Setup) -> tuple[Memory, float, int]:
    """The packed layout of ``compiler.lower.fastpath``: G data groups, widths packed into M units."""
    s = setup.size
    run = runs[0]
    by_data: dict[tuple[int, float], list[int]] = {}
    for r in runs:  # members that share a data set (in a group: the same seed and noise) pack into one row group
        by_data.setdefault((r.seed, r.data.noise), []).append(r.model.width)
    groups = [sorted(w) for w in by_data.values()]
    G, J = len(groups), max(len(g) for g in groups)
    M = sum(max(g[j] for g in groups if j < len(g)) for j in range(J))
    n, d = _train_rows(run), run.input.dim
    dp = d + (1 if run.model.bias else 0)
    fast = families.of(run.model).fast_path
    inner = fast is not None and fast.inner_trained
    relu = run.model.activation == "relu"
    buffers = 2 * G * dp * M + 8 * G * M  # Wt, gW; a, scale, lr, lr_inner, lam, unit_active, saflat, ga
    data = G * n * (dp + 3) * s  # X, Y, F
    workers = min(ROW_WORKERS, n)
    per_worker_rows = -(-n // workers)
    rows = fast_block_rows(per_worker_rows, G, M, cuda=setup.device == "cuda")
    sizes = 1 + (per_worker_rows % rows != 0)  # one buffer per distinct block size
    block = G * rows * M + G * rows * J + (J * G * rows * dp if inner and relu else 0) + \
        (G * rows * M if inner and not relu else 0)
    work = workers * (G * dp * M + G * M + sizes * block) * s
    E = len(runs)
    shapes = {r.model.width: r for r in runs}  # members differ in width only (and per-member values)
    per_width = {w: _param_count(r) for w, r in shapes.items()}
    member_macs = {w: _macs(r) for w, r in shapes.items()}
    members = sum(per_width[r.model.width] for r in runs) * (8 + 3 * s)  # float64 inits, device inits, final unpacks
    widest = max(runs, key=lambda r: r.model.width)  # members are measured one by one: the widest is the peak
    measure = _measure_peak([widest], s) + _param_count(widest) * s
    steps = run.train.steps or 0
    packed = G * (dp * M + M)
    flops = steps * (6.0 if inner else 4.0) * n * packed + \
        (_measurements(run) + 1) * 2.0 * (n + run.data.n_test) * sum(member_macs[r.model.width] for r in runs)
    return Memory(members + buffers * s, 0, work + measure, data), flops, 15 * J + 10 * E + 30


def _closed_form(runs: list[Run], setup: Setup) -> tuple[Memory, float, int]:
    s = setup.size
    run = runs[0]
    n, m = _train_rows(run), run.model.width
    k = min(n, m)
    # Phi (n, m) in float64 and its SVD (U, Vh) or the (m, m) Gram matrix of the ridge solve
    solve = 8 * (2 * n * m + (m * m if run.train.solve == "ridge" else k * (n + m)))
    flops = 4.0 * n * m * k + (_measurements(run) + 1) * 2.0 * (n + run.data.n_test) * _macs(run)
    return Memory(_param_count(run) * (8 + 3 * s), 0, max(solve, _measure_peak(runs, s)), 0), flops, 0


FLOW_STAGES = 8
"""What a flow holds per trained tensor beyond the autograd trainer: the adaptive solver's stages (7 for dopri5,
13 for dopri8; 8 is dopri5's with its error estimate) of the ensemble's trained parameters."""


def _flow(runs: list[Run], setup: Setup) -> tuple[Memory, float, int]:
    """An ODE solve of the ensemble (``compiler.lower.flow``): the autograd trainer's memory with the solver's
    stages and one state per record time. Its FLOPs count the measurements only: the solver's work (its
    function evaluations) is known only once it has run, and is recorded then (``flow_nfe``)."""
    memory, _, ops = _autograd(runs, setup)
    E, T, s = len(runs), _trained_count(runs[0]), setup.size
    states = FLOW_STAGES + len(runs[0].train.record.at) + _record_points(runs[0]) + 2  # with t = 0 and the end
    run = runs[0]
    flops = (_measurements(run) + 1) * 2.0 * E * (_train_rows(run) + run.data.n_test) * _macs(run)
    return Memory(memory.params, E * T * states * s, memory.activations, memory.data), flops, ops


ENGINES: dict[str, Callable[[list[Run], Setup], tuple[Memory, float, int]]] = {
    "autograd": _autograd, "fast": _fast, "closed_form": _closed_form, "flow": _flow}


def group_cost(group: Group, setup: Setup = Setup()) -> GroupCost:
    """The cost of one training group (see the module docstring)."""
    memory, flops, ops = ENGINES[group.engine](group.runs, setup)
    steps = (group.runs[0].train.steps or 0) if group.engine != "closed_form" else 0
    return GroupCost(group.label, group.engine, tuple(r.index for r in group.runs), memory, flops, steps, ops)


def estimate_groups(groups: list[Group], setup: Setup = Setup()) -> PlanEstimate:
    """The estimate of training ``groups`` (those of ``group_runs``, or a subset of them)."""
    s = setup.size
    runs = [r for g in groups for r in g.runs]
    keyed = _data_sets(groups)
    values = sum(_recorded_values(r) for r in runs)
    return PlanEstimate(
        dtype=setup.dtype, groups=tuple(group_cost(g, setup) for g in groups),
        data=sum(_data_bytes(r, s) for r in keyed.values()),
        data_transient=max((_data_transient(r) for r in keyed.values()), default=0),
        curves=values * CURVE_POINT_MEMORY, curves_disk=values * CURVE_POINT_DISK, curve_values=values,
        kernels=max((_kernel_bytes(r) for r in runs), default=0),
        theory=max((theory_bytes(r) for r in keyed.values()), default=0))


def estimate_plan(plan: Plan, setup: Setup = Setup()) -> PlanEstimate:
    """The estimate of the whole plan as the lowering groups it."""
    return estimate_groups(group_runs(plan, setup.allow_fast), setup)


def estimate_runs(plan: Plan, runs: list[Run] | tuple[Run, ...], setup: Setup = Setup()) -> PlanEstimate:
    """The estimate of training only ``runs`` of ``plan`` (grouped as the lowering groups them)."""
    return estimate_plan(plan.model_copy(update={"runs": tuple(runs)}), setup)


__all__ = ["DTYPE_BYTES", "GroupCost", "Memory", "PlanEstimate", "Setup",
           "estimate_groups", "estimate_plan", "estimate_runs", "group_cost", "theory_bytes"]
