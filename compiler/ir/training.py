"""The IR of models and their training: the model, the penalty, the optimizer, stop and record rules.

Input:  nothing (data model).
Output: :class:`Model`, :class:`Train` and their parts.
Role:   what is trained and how; a closed-form solve has no optimizer and no steps.
"""


import math
from functools import cached_property
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from mlc.compiler.ir.base import IRModel, new_field, setting
from mlc.compiler.ir.problem import Activation


Scaling = Literal["standard", "ntk", "mean_field"]
InitLaw = Literal["normal", "xavier_uniform", "xavier_normal", "he"]
"""How the weight matrices are drawn at init (``mlc.compiler.lower.init``): ``normal`` is today's N(0, s²/fan_in)
(the output layer per scaling); ``xavier_uniform``, ``xavier_normal`` and ``he`` are torch.nn.init's laws."""
InitChoice = Literal["random", "zero"]
FeatureDraw = Literal["fresh", "nested"]
DepthScaling = Literal["one_over_L", "none"]
"""A ResNet block's factor: ``one_over_L``, the scaled z + (1/L) U s(W z) of REFERENCE §2.4 (a flow in depth), or
``none``, the conventional z + U s(W z)."""


class WeightsFile(IRModel):
    """Initial weights named in a spec, `init = file("net0.npz")` (``mlc.compiler.datafiles.init_file``): the
    path as written and the SHA-256 of the file's bytes are its meaning, with the shape of each array (the
    family's parameters, checked against the model); ``location`` (where it was found) is not hashed."""

    path: str
    sha256: str
    shapes: tuple[tuple[str, tuple[int, ...]], ...]  # (name, shape) of each array, in the file's order
    location: str = Field("", description="where the file was found (absolute); in the plan's JSON, so that a "
                                          "worker that reads the plan finds it, but not in any hash")

    @property
    def arrays(self) -> dict[str, tuple[int, ...]]:
        """The shape of each array, by name."""
        return dict(self.shapes)


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
    # Settings added by issue 10: absent from the IR's JSON at their default (hashes of older specs unchanged).
    init: InitLaw = setting("normal", doc="the law of the initial weight matrices (or `file(\"net0.npz\")`: read them)",
                            omit_default=True)
    init_scales: tuple[float, ...] = setting((), doc="per-layer factors on the init std, input layer first",
                                             minimum=0, shown_default="all 1", omit_default=True)
    output_init: InitChoice = setting("random", doc="`zero`: the output weights start at a(0) = 0",
                                      omit_default=True)
    bias_init: InitChoice = setting("random", doc="`zero`: the trained biases start at 0", omit_default=True)
    features: FeatureDraw = setting("fresh", doc="`nested`: width m uses the first m units of one pool per seed",
                                    omit_default=True)
    depth_scaling: DepthScaling = setting("one_over_L", doc="ResNet blocks: z + U s(Wz)/L (`one_over_L`, the scaled "
                                          "form) or z + U s(Wz) (`none`, the conventional one)", omit_default=True)
    seed: int | None = setting(None, doc="seed of the initial weights and features", minimum=0,
                               shown_default="the run's seed", omit_default=True)
    init_file: WeightsFile | None = new_field(None, doc="initial weights read from an .npz file "
                                                        "(`init = file(\"net0.npz\")`); nothing is drawn")

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


FlowMethod = Literal["dopri5", "bosh3", "adaptive_heun", "dopri8"]
"""torchdiffeq's adaptive Runge-Kutta solvers that `optimizer = flow(method = ...)` may name (orders 5, 3, 2, 8)."""
FLOW_MIN_RTOL = 1e-13
"""The tightest relative tolerance a flow accepts: below ~100 float64 epsilons no step size meets it."""


class Optimizer(IRModel):
    """How the parameters move. ``flow`` is the gradient flow dθ/dt = -rate·∇J integrated by torchdiffeq's
    adaptive ``method`` to the training's ``time`` (t = η·k of GD with learning rate η after k steps; the rate is
    the effective learning rate of lr = 1, ``compiler.conventions.effective_lr``); it has no learning rate."""

    kind: Literal["gd", "sgd", "adam", "msa", "flow"] = "gd"
    lr: float = setting(0.1, doc="learning rate", minimum=0, exclusive_min=True, sweepable=True,
                        kinds=("gd", "sgd", "adam", "msa"), defaults={"adam": 1e-3})
    batch: int | None = setting(None, doc="minibatch size", minimum=1, sweepable=True, kinds=("sgd",),
                                defaults={"sgd": 32})
    betas: tuple[float, float] = setting((0.9, 0.999), doc="Adam's moment decays", kinds=("adam",))
    momentum: float = setting(0.0, doc="heavy-ball momentum", minimum=0, maximum=1, sweepable=True,
                              kinds=("gd", "sgd"))
    eps: float = setting(1e-8, doc="Adam's ε in the step lr·m̂/(√v̂ + ε)", minimum=0, exclusive_min=True,
                         kinds=("adam",), omit_default=True)
    # The method of successive approximations (E-MSA, Li, Chen, Tai & E 2018; compiler/lower/msa.py, docs/msa.md).
    rho: float = setting(1.0, doc="E-MSA's ρ: the weight of the state and co-state penalties in each layer's "
                         "extended Hamiltonian", minimum=0, sweepable=True, kinds=("msa",), omit_default=True)
    inner_steps: int = setting(5, doc="gradient-ascent steps of size `lr` (its learning rate) maximising each "
                               "layer's extended Hamiltonian per MSA iteration", minimum=1, sweepable=True, kinds=("msa",),
                               omit_default=True)
    rtol: float = setting(1e-6, doc="the flow solver's relative tolerance", minimum=0, exclusive_min=True,
                          maximum=1, kinds=("flow",), omit_default=True)
    atol: float = setting(1e-8, doc="the flow solver's absolute tolerance", minimum=0, exclusive_min=True,
                          maximum=1, kinds=("flow",), omit_default=True)
    method: FlowMethod = setting("dopri5", doc="the flow's adaptive Runge-Kutta solver (torchdiffeq)",
                                 kinds=("flow",), omit_default=True)

    @model_validator(mode="before")
    @classmethod
    def _flow_rate(cls, data: Any) -> Any:
        # Why: a flow's time is t = η·k, so its rate per unit of t is that of lr = 1 (never a spec's value).
        if isinstance(data, dict) and data.get("kind") == "flow":
            data = {**data, "lr": 1.0}
        return data


class StopRule(IRModel):
    """Stop training when ``metric < threshold`` (checked at every record step), or at max_steps."""

    metric: str
    threshold: float


class Record(IRModel):
    """What is recorded during training: names from the metric registry (``compiler.metrics``), every ``every``
    steps or at the points ``at`` (steps, or times t of a ``gradient_flow`` solve), always with the start and
    the end (for gradient flow with ``time = inf``, the limit)."""

    every: int = 0  # 0: record only at the end (unless ``at`` lists points)
    metrics: tuple[str, ...] = ()
    at: tuple[float, ...] = new_field((), doc="the record points of `record = at POINTS: ...`, increasing")

    @property
    def recording(self) -> bool:
        """Whether anything is recorded during training (not only the final metrics)."""
        return self.every > 0 or bool(self.at)

    def due(self, point: float) -> bool:
        """Whether the metrics are recorded at this step (or time)."""
        if self.every > 0:
            return point % self.every == 0
        return point in self.at_points

    @cached_property
    def at_points(self) -> frozenset[float]:
        """``at`` as a set (looked up once per step)."""
        return frozenset(self.at)


Solve = Literal["gd", "min_norm", "ridge", "gd_exact", "gradient_flow"]
CLOSED_FORM_SOLVES: tuple[str, ...] = ("min_norm", "ridge", "gradient_flow")
"""Solves that are one linear-algebra step: they have no optimizer and no steps (absent from their IR);
``gradient_flow`` has a ``time`` instead."""


def _is_flow(optimizer: Any) -> bool:
    """Whether a (not yet validated) optimizer value is ``flow``."""
    kind = optimizer.get("kind") if isinstance(optimizer, dict) else getattr(optimizer, "kind", None)
    return kind == "flow"


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
    time: float | None = setting(None, doc="gradient-flow time t = η·k (`solve = gradient_flow`: `inf` is the limit; "
                                 "`optimizer = flow(...)`: finite, required)", minimum=0,
                                 exclusive_min=True, shown_default="`inf` with `solve = gradient_flow`",
                                 omit_default=True)
    # Where the training runs, not what it computes: left out of the run hash (compiler.ir.hashing).
    group_cpus: float | None = setting(None, doc="CPUs a training group of this model asks a Ray cluster for "
                                       "(`--executor ray`; `--group-cpus` overrides)", minimum=0,
                                       exclusive_min=True, shown_default="its torch threads", omit_default=True)
    group_gpus: float | None = setting(None, doc="share of a GPU a training group of this model asks a Ray "
                                       "cluster for (`0.25`: four groups per GPU; `--group-gpus` overrides)",
                                       minimum=0, shown_default="estimated from its memory", omit_default=True)

    @model_validator(mode="before")
    @classmethod
    def _iterative_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("solve", "gd") in CLOSED_FORM_SOLVES:  # absent, not the iterative defaults
            data.setdefault("optimizer", None)
            data.setdefault("steps", None)
            if data.get("solve") == "gradient_flow" and data.get("time") is None:
                data["time"] = math.inf
        elif _is_flow(data.get("optimizer")):  # a flow runs for a time, not for steps
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
        if (self.time is not None) != (self.solve == "gradient_flow" or self.flow):
            raise ValueError("a time belongs to solve = gradient_flow or optimizer = flow, and each has one")
        if self.flow and (self.steps is not None or self.time is None or not math.isfinite(self.time)):
            raise ValueError("optimizer = flow runs for a finite time and takes no steps")
        return self

    @property
    def iterative(self) -> bool:
        """Whether training moves the parameters by an optimizer (then ``optimizer`` is set, and ``steps`` unless
        the optimizer is a flow, which has a ``time``)."""
        return self.solve not in CLOSED_FORM_SOLVES

    @property
    def flow(self) -> bool:
        """Whether the optimizer is ``flow``: the gradient flow to ``time``, integrated by an ODE solver."""
        return self.optimizer is not None and self.optimizer.kind == "flow"

    def describe(self) -> str:
        """How the model is fitted, in words: ``gd(lr 0.1), 1000 steps`` or ``ridge (closed form)``."""
        if self.solve == "gradient_flow":
            return f"gradient flow to time {self.time:g} (closed form)"
        if self.optimizer is not None and self.optimizer.kind == "flow":
            o = self.optimizer
            return f"flow({o.method}, rtol {o.rtol:g}, atol {o.atol:g}) to time {self.time:g}"
        if self.optimizer is None or self.steps is None:
            return f"{self.solve} (closed form)"
        text = f"{self.optimizer.kind}(lr {self.optimizer.lr:g}), {self.steps} steps"
        return text + (f", solve {self.solve}" if self.solve != "gd" else "")
