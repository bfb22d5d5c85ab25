"""The typed intermediate representation (IR) of an mlc experiment.

Input:  nothing (this module only defines the data model).
Output: pydantic models that every later stage consumes.
Role:   the contract between the checker (``compiler.check``), which builds these objects from the
        AST, and the back ends (``compiler.theory``, ``compiler.lower``, ``runtime``), which read them.

Everything here is *fully resolved*: names are substituted, defaults are filled in, numbers are plain
floats and ints, and the sweep is expanded into a list of :class:`Run`. No source text survives into the
IR except the problem name, so two specs that mean the same thing give identical IR and identical
hashes (see :func:`content_hash`).

Conventions (see docs/language.md):
  * ``x[i]`` is 1-based, as in papers: ``x[1]`` is the first coordinate.
  * MSE is (1/n) sum (f - y)^2; ``half_mse`` is half of it (the normalisation of T4/T5).
  * scaling ``standard`` is f = sum_k a_k s(b_k.x + c_k); ``ntk`` divides by sqrt(m); ``mean_field`` by m.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal, Mapping, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The expression nodes are part of the IR's namespace (explicit re-exports).
from mlc.compiler.expr import (
    EXPR_NODES as EXPR_NODES, Binary as Binary, Call as Call, Component as Component, Dot as Dot,
    Expr as Expr, ExprNode as ExprNode, ExprVisitor as ExprVisitor, IndexVar as IndexVar,
    InputVar as InputVar, Neg as Neg, Norm as Norm, Num as Num, Sum as Sum, Vector as Vector, walk as walk,
)
from mlc.compiler.functions import ActivationName

IR_VERSION = 1


class IRModel(BaseModel):
    """Base class: IR objects are immutable and reject unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# Target expressions (Num ... Sum, Expr) live in ``mlc.compiler.expr``, with their walk and visitor, and
# are imported into this namespace above.

# ----------------------------------------------------------------------------------------------
# The problem: input distribution, target, space, data.
# ----------------------------------------------------------------------------------------------

InputKind = Literal["cube", "sphere", "ball", "gaussian", "grid"]


class InputDist(IRModel):
    """The input distribution.

    * ``cube``: uniform on [-1, 1]^dim.
    * ``sphere``: uniform on the unit sphere S^{dim-1} in R^dim.
    * ``ball``: uniform on the unit ball in R^dim.
    * ``gaussian``: N(0, std^2 I_dim).
    * ``grid``: dim = 1; the training inputs are ``points`` equispaced points of [low, high]; test
      inputs are uniform on [low, high].
    """

    kind: InputKind
    dim: int
    std: float | None = None
    low: float | None = None
    high: float | None = None
    points: int | None = None

    @property
    def sup_norm_bound(self) -> float:
        """An upper bound on ||x||_inf over the support (inf for the Gaussian)."""
        if self.kind in ("cube", "sphere", "ball"):
            return 1.0
        if self.kind == "grid":
            return max(abs(self.low or 0.0), abs(self.high or 0.0))
        return float("inf")


Activation = ActivationName


class FormulaTarget(IRModel):
    kind: Literal["formula"] = "formula"
    expr: Expr


class TeacherTarget(IRModel):
    """A fixed random teacher network: f*(x) = sum_k a_k s(b_k.x + c_k) (standard scaling).

    Its weights come from ``torch.Generator().manual_seed(seed)``: b_k ~ N(0, I/d), c_k ~ N(0, 1/d)
    if ``bias`` else 0, a_k ~ N(0, 1/width). See ``mlc.compiler.teacher``.
    """

    kind: Literal["teacher"] = "teacher"
    family: Literal["two_layer"] = "two_layer"
    width: int
    activation: Activation = "relu"
    bias: bool = False
    seed: int = 0


Target = Annotated[Union[FormulaTarget, TeacherTarget], Field(discriminator="kind")]


class Space(IRModel):
    """The function space in which the target's norm is measured, with an optional declared bound."""

    kind: Literal["barron", "rkhs", "flow", "multilayer"]
    depth: int | None = None  # for multilayer(L)
    norm_bound: float | None = None  # `norm <= Q`, as declared by the user


def setting(default: Any = None, *, doc: str, minimum: float | None = None, exclusive_min: bool = False,
            maximum: float | None = None, sweepable: bool = False, key: str | None = None,
            kinds: tuple[str, ...] = (), defaults: dict[str, Any] | None = None, shown_default: str = "",
            required: bool = False) -> Any:
    """A field that a spec sets: the one description of its default, range, meaning and sweepability.

    The checker derives its settings tables from these fields (``mlc.compiler.check.schema``) and the docs
    tables of docs/language.md are generated from them. The range is the language's: the checker enforces
    it with a diagnostic (E202), so the IR records it without validating it again. ``key`` is the name a spec
    uses when it differs from the field's (``lambda`` for ``lam``); ``kinds`` the kinds of the section that
    have the setting (an optimizer's ``batch`` is sgd's); ``defaults`` per-kind defaults; ``shown_default``
    the default as the docs say it when it is not a constant (``d + 1``).
    """
    extra: dict[str, Any] = {"setting": {
        "minimum": minimum, "exclusive_min": exclusive_min, "maximum": maximum, "sweepable": sweepable,
        "key": key, "kinds": list(kinds), "defaults": dict(defaults or {}), "shown_default": shown_default}}
    if required:
        return Field(description=doc, json_schema_extra=extra)
    return Field(default, description=doc, json_schema_extra=extra)


class Data(IRModel):
    n: int = setting(1000, doc="training samples", minimum=1, sweepable=True)
    n_test: int = setting(4000, doc="test samples", minimum=1, sweepable=True)
    noise: float = setting(0.0, doc="std of Gaussian label noise", minimum=0, sweepable=True)


# ----------------------------------------------------------------------------------------------
# Models and training.
# ----------------------------------------------------------------------------------------------

Scaling = Literal["standard", "ntk", "mean_field"]


class Model(IRModel):
    """One model family instance. ``family`` names a registered family (``mlc.compiler.families``: the built-in
    random_features, two_layer, resnet and deep, or one a plug-in registered), whose module says what the other
    fields mean. ``width`` is the hidden width (of each block of a ResNet, whose state width is
    ``state_width``); a deep net lists its hidden ``widths`` (length = depth). The output scale is fixed by the
    conventions pass (``Run.conventions.output_scale``).
    """

    name: str
    family: str
    width: int = setting(doc="hidden width m", minimum=1, sweepable=True, required=True,
                         shown_default="required (or swept)")
    depth: int = setting(1, doc="blocks (resnet) or hidden layers (deep)", minimum=1, sweepable=True,
                         shown_default="per family")
    widths: tuple[int, ...] = setting((), doc="hidden widths of a deep net", minimum=1,
                                      shown_default="`width` repeated `depth` times")
    state_width: int | None = setting(None, doc="ResNet state dimension D", minimum=1, sweepable=True,
                                      shown_default="d + 1")
    activation: Activation = setting("relu", doc="the activation s")
    scaling: Scaling = setting("standard", doc="output scale: 1, 1/sqrt(m) or 1/m")
    init_scale: float = setting(1.0, doc="scale of the initial weights", minimum=0, exclusive_min=True,
                                sweepable=True)
    bias: bool = setting(True, doc="whether the hidden units have a bias")

    @field_validator("family")
    @classmethod
    def _registered(cls, value: str) -> str:
        from mlc.compiler import families  # the registry's descriptors import ir only for type hints

        if value not in families.names():
            raise ValueError(f"unknown model family {value!r}; registered: {', '.join(families.names())}")
        return value


Loss = Literal["mse", "half_mse", "logistic"]
PenaltyKind = Literal["none", "path_norm", "weighted_path_norm", "rkhs_norm", "weight_decay"]


class Penalty(IRModel):
    """A penalty term lambda * norm(theta).

    ``auto`` means "the theorem's choice": for the path norm (T5) lambda_eff = 4 * sqrt(2 ln(2 d_eff)/n),
    i.e. lambda = 4 in the normalised form; ``lam`` then holds the resolved value.
    """

    kind: PenaltyKind = "none"
    lam: float = setting(0.0, doc="the penalty's weight λ", minimum=0, sweepable=True, key="lambda")
    auto: bool = False


class Optimizer(IRModel):
    kind: Literal["gd", "sgd", "adam"] = "gd"
    lr: float = setting(0.1, doc="learning rate", minimum=0, exclusive_min=True, sweepable=True,
                        kinds=("gd", "sgd", "adam"), defaults={"adam": 1e-3})
    batch: int | None = setting(None, doc="minibatch size", minimum=1, sweepable=True, kinds=("sgd",),
                                defaults={"sgd": 32})
    betas: tuple[float, float] = setting((0.9, 0.999), doc="Adam's moment decays", kinds=("adam",))
    momentum: float = setting(0.0, doc="heavy-ball momentum", minimum=0, maximum=1, sweepable=True,
                              kinds=("gd", "sgd"))


class StopRule(IRModel):
    """Stop training when ``metric < threshold`` (checked at every record step), or at max_steps."""

    metric: str
    threshold: float


class Record(IRModel):
    """What is recorded during training: names from the metric registry (``compiler.metrics``)."""

    every: int = 0  # 0: record only at the end
    metrics: tuple[str, ...] = ()


Solve = Literal["gd", "min_norm", "ridge", "gd_exact"]
CLOSED_FORM_SOLVES: tuple[str, ...] = ("min_norm", "ridge")
"""Solves that are one linear-algebra step: they have no optimizer and no steps (absent from their IR)."""


class Train(IRModel):
    """How one model is trained. ``solve`` selects a closed form for random features.

    ``optimizer`` and ``steps`` exist exactly when the solve iterates (``gd``, ``gd_exact``); a ``min_norm`` or
    ``ridge`` solve has neither, so nothing downstream can read a learning rate it never uses. Left out for an
    iterative solve they default to ``Optimizer()`` and 1000 steps.
    """

    model: str
    loss: Loss = setting("mse", doc="the training loss (`mse/2` is half_mse)")
    penalty: Penalty = setting(Penalty(), doc="a norm penalty λ·‖θ‖", shown_default="`none`")
    optimizer: Optimizer | None = setting(Optimizer(), doc="how the parameters move", shown_default="`gd`")
    steps: int | None = setting(1000, doc="training steps", minimum=1, sweepable=True)
    stop: StopRule | None = None
    solve: Solve = setting("gd", doc="gd, or a closed form for random features")
    record: Record = setting(Record(), doc="metrics recorded during training", shown_default="nothing recorded")

    @model_validator(mode="before")
    @classmethod
    def _iterative_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("solve", "gd") in CLOSED_FORM_SOLVES:  # absent, not the iterative defaults
            data.setdefault("optimizer", None)
            data.setdefault("steps", None)
        else:
            if data.get("optimizer") is None:
                data["optimizer"] = Optimizer()
            if data.get("steps") is None:
                data["steps"] = 1000
        return data

    @model_validator(mode="after")
    def _closed_forms_have_no_optimizer(self) -> "Train":
        if self.solve in CLOSED_FORM_SOLVES and (self.optimizer is not None or self.steps is not None):
            raise ValueError(f"solve = {self.solve} is a closed form: it has no optimizer and no steps")
        return self

    @property
    def iterative(self) -> bool:
        """Whether training takes steps (then ``optimizer`` and ``steps`` are set)."""
        return self.solve not in CLOSED_FORM_SOLVES

    def describe(self) -> str:
        """How the model is fitted, in words: ``gd(lr 0.1), 1000 steps`` or ``ridge (closed form)``."""
        if self.optimizer is None or self.steps is None:
            return f"{self.solve} (closed form)"
        text = f"{self.optimizer.kind}(lr {self.optimizer.lr:g}), {self.steps} steps"
        return text + (f", solve {self.solve}" if self.solve != "gd" else "")


# ----------------------------------------------------------------------------------------------
# Report, sweep, runs, plan.
# ----------------------------------------------------------------------------------------------


PlotX = Literal["step", "axis"]


class Plot(IRModel):
    """``plot y vs x``. ``x_kind`` says what x is: ``step`` is the training step (the x of a recorded
    curve), ``axis`` a swept axis named ``x`` (which may well be called ``steps``)."""

    y: str
    x: str
    x_kind: PlotX


class Mark(IRModel):
    axis: str
    value: float
    label: str


class Report(IRModel):
    bounds: bool = True
    rates: tuple[str, ...] = ()
    plots: tuple[Plot, ...] = ()
    marks: tuple[Mark, ...] = ()
    delta: float = setting(0.05, doc="confidence level 1 - delta of the bounds", minimum=0, exclusive_min=True,
                           maximum=1)


Quantity = Literal[
    "width", "depth", "state_width", "init_scale", "n", "n_test", "noise", "dim", "steps", "lr", "batch",
    "momentum", "lambda", "delta", "seed", "input", "target", "space", "data", "model", "train", "report",
]
"""What a sweep axis can vary. The named settings have their own quantity; any other field of a section
counts as that section (``target`` for a let used in the target formula, ``train`` for the loss...)."""

QUANTITY_OF_FIELD: dict[str, Quantity] = {
    "data.n": "n", "data.n_test": "n_test", "data.noise": "noise", "input.dim": "dim",
    "model.width": "width", "model.widths": "width", "model.depth": "depth",
    "model.state_width": "state_width", "model.init_scale": "init_scale",
    "train.steps": "steps", "train.optimizer.lr": "lr", "train.optimizer.batch": "batch",
    "train.optimizer.momentum": "momentum", "train.penalty.lam": "lambda", "report.delta": "delta",
    "seed": "seed",
}
"""IR field paths (section.field, as in :class:`Run`) -> the quantity they hold. A path not listed here
counts as its section (its first component)."""


def quantity_of_field(path: str) -> Quantity:
    """The quantity an IR field path holds (see :data:`QUANTITY_OF_FIELD`)."""
    found = QUANTITY_OF_FIELD.get(path)
    if found is not None:
        return found
    return path.split(".", 1)[0]  # type: ignore[return-value]  # a section name is a Quantity


SEED_KEY = "seed"
"""The sweep key of replicate seeds (``sweep { seed = 0..2 }``): an axis, but never a param held fixed or
fitted over."""


SlotSection = Literal["seed", "let", "data", "model", "train", "optimizer", "penalty"]


class Slot(IRModel):
    """What a sweep axis sets: a typed (section, owner, key) instead of a string such as ``"model:net.width"``.

    ``section`` is ``seed``, ``let`` (``key`` names the constant), ``data``, ``model``, or a part of a model's
    training: ``train`` (steps), ``optimizer`` (lr, batch, momentum), ``penalty`` (lambda). ``owner`` is the
    model's name for the per-model sections, None otherwise. ``key`` is the setting's name in the language.
    """

    section: SlotSection
    owner: str | None = None
    key: str

    def __str__(self) -> str:
        if self.section in ("seed", "let", "data"):
            return self.key if self.section != "data" else f"data.{self.key}"
        return f"{self.section}:{self.owner}.{self.key}"


class SweepAxis(IRModel):
    """One swept axis. ``key`` is the name the user wrote; ``targets`` the slots it sets; ``varies`` the
    quantities that actually change in the runs when this axis moves (computed by the sweep from the
    resolved IR, so a `let` used as ``n = m`` varies ``n`` whatever it is called)."""

    key: str
    values: tuple[float, ...]
    targets: tuple[Slot, ...]
    varies: tuple[Quantity, ...]

    @property
    def meaning(self) -> Quantity | None:
        """The one quantity this axis varies; ``None`` when it varies none or several."""
        return self.varies[0] if len(self.varies) == 1 else None


class SweepBlock(IRModel):
    mode: Literal["product", "zip"] = "product"
    axes: tuple[SweepAxis, ...] = ()


class Conventions(IRModel):
    """The conventions of one run, resolved once by :mod:`mlc.compiler.conventions` from the run's other fields.

    The lowering and the theory read these numbers; neither re-derives them. The block is excluded from the
    run hash (it is a function of what is hashed) and ``compiler.verify`` checks that it equals a recomputation.
    """

    lr: dict[str, float]
    """Effective learning rate of each trained parameter group (empty when there is no optimizer)."""
    trained: tuple[str, ...]
    """Names of the trained parameters (the lowering's parameter groups)."""
    output_scale: float
    """The factor on the output layer: 1 (standard), 1/sqrt(fan_in) (ntk), 1/fan_in (mean_field)."""
    fan_in: int
    """The width that feeds the output layer (m, the ResNet state width D, or the last deep width)."""
    widths: tuple[int, ...]
    """The resolved hidden widths: one per hidden layer (deep) or block (resnet), (m,) for two-layer models."""
    state_width: int | None
    """D of a ResNet (None for other families)."""
    d_eff: int
    """d + 1 when the model has biases, else d."""
    eps_n: float
    """sqrt(2 ln(2 d_eff) / n): the Rademacher unit of the path-norm ball (REFERENCE T3)."""
    loss_factor: float
    """k with dL/df_i = (k/n)(f_i - y_i): 2 for mse, 1 for half_mse (and logistic); the objective is k x the
    L = MSE/2 objective of the theorems."""
    penalty_factor: float
    """The constant c in the penalty lambda * c * norm (eps_n for path norms, sqrt(ln(2 d_eff)/n) for the RKHS
    norm, 1 for weight decay, 0 without a penalty)."""
    ridge: float | None
    """The ridge c n lambda of a closed-form ridge solve, a = (Phi^T Phi + ridge I)^{-1} Phi^T y (else None)."""
    theorem_lambda: dict[str, float]
    """The numeric lambda of the spec's penalty in each theorem's own normalisation (T5, T9c's tau, T12)."""


class Run(IRModel):
    """One fully resolved training run of the plan. ``conventions`` is derived from the other fields."""

    index: int
    hash: str
    model: Model
    train: Train
    input: InputDist
    target: Target
    space: Space
    data: Data
    seed: int
    conventions: Conventions
    params: dict[str, float] = Field(default_factory=dict)  # the swept values, by axis key


RateRelation = Literal["upper", "lower", "equal"]


class RatePrediction(IRModel):
    """A power law the theory predicts: ``metric`` of ``model`` ∝ ``axis``^exponent while the other swept
    params stay at ``fixed`` (computed at compile time by ``compiler.theory.rates``).

    ``relation``: "upper" means the theory bounds the metric by C·x^p (the measured slope should be ≤ p),
    "lower" that it is at least C·x^p (slope ≥ p), "equal" that it predicts the slope itself.
    """

    model: str
    axis: str  # the sweep key
    quantity: Quantity  # what the axis varies: the theory's variable
    fixed: dict[str, float] = Field(default_factory=dict)  # the other swept params (not the seed)
    metric: str
    exponent: float
    relation: RateRelation
    theorem: str
    regime: str
    unverified: bool = False
    note: str = ""


class Plan(IRModel):
    """The whole experiment after sweep expansion: what ``mlc compile --emit plan`` prints."""

    ir_version: int = IR_VERSION
    problem: str
    spec_hash: str
    sweep: tuple[SweepBlock, ...] = ()
    report: Report = Report()
    runs: tuple[Run, ...]
    rates: tuple[RatePrediction, ...] = ()  # the theory's predicted exponents per swept axis

    def axis(self, key: str) -> SweepAxis | None:
        """The sweep axis named ``key`` (None if nothing is swept under that name)."""
        for block in self.sweep:
            for axis in block.axes:
                if axis.key == key:
                    return axis
        return None

    def zip_partners(self, key: str) -> set[str]:
        """The axes swept together with ``key`` in a ``zip`` block (they move with it, so they are not
        held fixed when ``key`` varies); empty for a product axis. The seed is never a partner."""
        partners: set[str] = set()
        for block in self.sweep:
            keys = [a.key for a in block.axes]
            if block.mode == "zip" and key in keys:
                partners.update(k for k in keys if k not in (key, SEED_KEY))
        return partners


def canonical_json(value: Any) -> str:
    """Serialise to JSON with sorted keys and no whitespace: the input of every hash."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=True)


def content_hash(value: Any, length: int = 16) -> str:
    """A stable SHA-256 content hash (hex prefix) of an IR object or JSON-able value."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()[:length]


RUN_LABELS: tuple[str, ...] = ("index", "hash", "params")
"""Fields of a :class:`Run` that label it (position, hash, swept values by key) and are not hashed."""
RUN_DERIVED: tuple[str, ...] = ("conventions",)
"""Fields of a :class:`Run` derived from the others (``mlc.compiler.conventions``): they add nothing to its meaning."""


def run_hash(fields: Mapping[str, Any]) -> str:
    """The content hash of a run's meaning: what is trained, on what, with which seed.

    ``fields`` maps :class:`Run` field names to IR objects or their JSON dumps (``dict(run)`` or
    ``run.model_dump(mode="json")`` both work). Labels do not count: the run's position and swept values
    (:data:`RUN_LABELS`), the model's name and the training's reference to it. Every producer of runs (the
    sweep, ``compiler.lower.examples``) and :func:`mlc.compiler.verify.verify_plan` use this one function.
    """
    meaning = {k: (v.model_dump(mode="json") if isinstance(v, BaseModel) else v)
               for k, v in fields.items() if k not in RUN_LABELS and k not in RUN_DERIVED}
    meaning["model"] = {k: v for k, v in meaning["model"].items() if k != "name"}
    meaning["train"] = {k: v for k, v in meaning["train"].items() if k != "model"}
    return content_hash(meaning)


def plan_json_schema() -> dict[str, Any]:
    """The JSON schema of :class:`Plan` (exported by ``mlc compile --emit schema``)."""
    return Plan.model_json_schema()
