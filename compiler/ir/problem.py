"""The IR of the problem: the input distribution, the target, the space and the data.

Input:  nothing (data model).
Output: :class:`InputDist`, the targets, :class:`Space`, :class:`Data`.
Role:   what is learned, from what, measured in which norm.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from mlc.compiler.expr import Expr
from mlc.compiler.functions import ActivationName
from mlc.compiler.ir.base import IRModel, setting


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


class Data(IRModel):
    n: int = setting(1000, doc="training samples", minimum=1, sweepable=True)
    n_test: int = setting(4000, doc="test samples", minimum=1, sweepable=True)
    noise: float = setting(0.0, doc="std of Gaussian label noise", minimum=0, sweepable=True)
    # Added by issue 10: absent from the IR's JSON at their default (hashes of older specs unchanged).
    seed: int | None = setting(None, doc="seed of the train and test inputs", minimum=0,
                               shown_default="the run's seed", omit_default=True)
    noise_seed: int | None = setting(None, doc="seed of the label noise", minimum=0,
                                     shown_default="drawn after the inputs", omit_default=True)
