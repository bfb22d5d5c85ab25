"""The IR of the plan: the report, the sweep and its axes, the runs with their conventions, the plan.

Input:  nothing (data model).
Output: :class:`Plan` (what ``mlc compile --emit plan`` prints) and its parts.
Role:   the expanded experiment that the back ends read.
"""


from typing import Any, Literal

from pydantic import Field

from mlc.compiler.ir.base import IR_VERSION, IRModel, new_field, setting
from mlc.compiler.ir.problem import Data, InputDist, Space, Target
from mlc.compiler.ir.training import Model, Train


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


Summary = Literal["mean", "median", "geomean"]

ClaimKind = Literal["peak", "slope", "insensitive", "order", "compare", "regime", "robust", "rate",
                    "rate_insensitive", "rate_trend"]


class ClaimValue(IRModel):
    """A claim's number where it depends on the sweep: ``value`` at the sweep points with these ``params`` (the
    swept values other than the seed and the claim's own axis)."""

    params: dict[str, float]
    value: float


class Claim(IRModel):
    """One statement of the spec's ``claims { ... }``, checked against the results after training
    (``mlc.runtime.claims``). Presentation only: no run depends on it (claims are in no run hash).

    ``text`` is the claim's canonical text (as ``mlc fmt`` prints it). ``metric`` is measured, ``axis`` a swept
    axis (empty for ``order``, ``compare`` and ``rate``). ``value`` is the number the claim states: the predicted peak
    location (``peak``), the slope threshold (``slope``), the allowed relative spread (``insensitive``, a
    fraction), the threshold of Δ(k) (``order``), or the bound (``compare``); ``op`` the comparison
    (``slope``, ``compare``). A peak's ``tolerance`` is relative (``percent``, a fraction) or in grid steps
    (``steps``); ``direction`` is the order claim's ``increasing`` or ``decreasing``; ``at`` the sweep values
    of a ``compare`` claim; ``value_at`` the number per sweep point when it depends on a swept value (``value``
    then holds the first point's).

    The ``rate`` claims speak about a recorded curve's rate over the training step (its log-log slope from step
    ``start`` on, per run): ``rate`` compares it with ``value`` (``op``, at the sweep values ``at``),
    ``rate_insensitive`` bounds its relative spread over ``axis`` by ``value`` (a fraction), ``rate_trend`` says
    it moves along ``axis`` in ``direction`` (``increasing``: the decay gets shallower as the axis grows).
    """

    kind: ClaimKind
    text: str
    metric: str
    axis: str = ""
    op: str = ""
    value: float = 0.0
    tolerance: float = 0.0
    tolerance_kind: Literal["none", "percent", "steps"] = "none"
    direction: Literal["", "increasing", "decreasing"] = ""
    at: dict[str, float] = Field(default_factory=dict)
    model: str = new_field("", doc="the one model the claim is about (`... for MODEL`); every model when empty")
    regime: str = new_field("", doc="the regime a `regime of ... is R` claim states (spikes, small_oscillation, "
                                    "large_oscillation)")
    forms: tuple[str, ...] = new_field((), doc="a `robust` claim's two forms: the more robust one, then the other")
    value_at: tuple[ClaimValue, ...] = new_field(
        (), doc="the number per sweep point when it depends on a swept value (`at m = n` with n swept)")
    start: float = new_field(0.0, doc="the first recorded step a rate claim fits (`from step K`); 0: every recorded "
                                      "step after the start")

    def value_for(self, params: dict[str, float]) -> float | None:
        """The claim's number at a slice with these swept ``params`` (None when the points it covers disagree)."""
        if not self.value_at:
            return self.value
        found = {e.value for e in self.value_at
                 if all(k not in params or abs(params[k] - v) <= 1e-12 * max(1.0, abs(v)) for k, v in e.params.items())}
        return found.pop() if len(found) == 1 else None


class Report(IRModel):
    bounds: bool = True
    rates: tuple[str, ...] = ()
    plots: tuple[Plot, ...] = ()
    marks: tuple[Mark, ...] = ()
    delta: float = setting(0.05, doc="confidence level 1 - delta of the bounds", minimum=0, exclusive_min=True,
                           maximum=1)
    summary: Summary = setting("mean", doc="the centre over seeds of tables, plots and rate fits",
                               omit_default=True)
    robust_within: float = setting(2.0, doc="the robustness summary's x: a grid point converges when its test "
                                   "error is at most x times the best of the grid", minimum=1, omit_default=True)
    claims: tuple[Claim, ...] = new_field(
        (), doc="the spec's `claims { ... }`, checked after training (absent from the JSON when there are none)")


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
    resolved IR, so a `let` used as ``n = m`` varies ``n`` whatever it is called). A categorical axis
    (``labels``: `sweep { optimizer = [gd(lr = 0.1), adam(lr = 1e-3)] }`) has the values 0, 1, ... (the run's
    ``params``) standing for its labels."""

    key: str
    values: tuple[float, ...]
    targets: tuple[Slot, ...]
    varies: tuple[Quantity, ...]
    labels: tuple[str, ...] = new_field((), doc="a categorical axis's values as written; its values are their indices")

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
    """Effective learning rate of each trained parameter group (empty when there is no optimizer); for
    ``solve = gradient_flow`` the rate per unit of its time t = lr x steps (1, or fan_in under mean_field)."""
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
    also: tuple[dict[str, float], ...] = new_field(
        (), doc="the other sweep points that give this same run (one hash): trained once, reported at each")


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

    def param_text(self, key: str, value: float) -> str:
        """A run's swept value as text: a categorical axis's label (`adam(lr = 1e-3)`), else the number."""
        axis = self.axis(key)
        if axis is not None and axis.labels and float(value).is_integer() and 0 <= value < len(axis.labels):
            return axis.labels[int(value)]
        return f"{value:g}"

    def zip_partners(self, key: str) -> set[str]:
        """The axes swept together with ``key`` in a ``zip`` block (they move with it, so they are not
        held fixed when ``key`` varies); empty for a product axis. The seed is never a partner."""
        partners: set[str] = set()
        for block in self.sweep:
            keys = [a.key for a in block.axes]
            if block.mode == "zip" and key in keys:
                partners.update(k for k in keys if k not in (key, SEED_KEY))
        return partners


def plan_json_schema() -> dict[str, Any]:
    """The JSON schema of :class:`Plan` (exported by ``mlc compile --emit schema``)."""
    return Plan.model_json_schema()
