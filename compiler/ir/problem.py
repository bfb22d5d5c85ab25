"""The IR of the problem: the input distribution, the target, the space and the data.

Input:  nothing (data model).
Output: :class:`InputDist`, the targets, :class:`Space`, :class:`Data`.
Role:   what is learned, from what, measured in which norm.
"""


from typing import Annotated, Literal, Union

from pydantic import Field

from mlc.compiler.expr import Expr
from mlc.compiler.functions import ActivationName
from mlc.compiler.ir.base import IRModel, new_field, setting


InputKind = Literal["cube", "sphere", "ball", "gaussian", "grid", "file", "dataset"]


class DataFile(IRModel):
    """A file of points named in a spec (``mlc.compiler.datafiles``): the path as written (relative to the spec)
    and the SHA-256 of its bytes are its meaning; ``location`` (where it was found) is not hashed
    (:func:`mlc.compiler.ir.run_hash`)."""

    path: str
    sha256: str
    rows: int
    columns: int
    sup_norm: float
    location: str = Field("", description="where the file was found (absolute); in the plan's JSON, so that a "
                                          "worker that reads the plan finds it, but not in any hash")


class DataSetRef(IRModel):
    """A labelled data set that ships inside a package (``mlc.compiler.datasets``): its identity (name, the two
    classes, the rows they hold, the columns, the SHA-256 of the bundled content, the normalisation of the
    inputs and the loader it comes from) is its meaning, and all of it is in the run hash."""

    name: str
    classes: tuple[int, int]
    rows: int
    columns: int
    sha256: str
    normalization: str
    source: str


class InputDist(IRModel):
    """The input distribution.

    * ``cube``: uniform on [-1, 1]^dim.
    * ``sphere``: uniform on the unit sphere S^{dim-1} in R^dim.
    * ``ball``: uniform on the unit ball in R^dim.
    * ``gaussian``: N(0, std^2 I_dim).
    * ``grid``: dim = 1; the training inputs are ``points`` equispaced points of [low, high]; test
      inputs are uniform on [low, high].
    * ``file``: the rows of a file (``file``): a run's train and test inputs are disjoint rows of it, drawn by
      the data seed; a draw from the law (a Monte Carlo normalisation) is a uniformly chosen row.
    * ``dataset``: the points of two classes of a packaged data set (``dataset``), drawn as a file's rows; its
      labels are the target ``labels``.
    """

    kind: InputKind
    dim: int
    std: float | None = None
    low: float | None = None
    high: float | None = None
    points: int | None = None
    file: DataFile | None = new_field(None, doc="the file of points of a `file` input")
    dataset: DataSetRef | None = new_field(None, doc="the packaged data set of a `dataset` input")

    @property
    def sup_norm_bound(self) -> float:
        """An upper bound on ||x||_inf over the support (inf for the Gaussian)."""
        if self.kind in ("cube", "sphere", "ball"):
            return 1.0
        if self.kind == "grid":
            return max(abs(self.low or 0.0), abs(self.high or 0.0))
        if self.kind == "file" and self.file is not None:
            return self.file.sup_norm
        if self.kind == "dataset":
            return 1.0  # every registered data set is normalised into [0, 1] (mlc.compiler.datasets)
        return float("inf")


Activation = ActivationName


class FormulaTarget(IRModel):
    kind: Literal["formula"] = "formula"
    expr: Expr


TeacherLaw = Literal["gaussian", "sphere", "uniform"]


class TeacherWeights(IRModel):
    """Given teacher weights: ``a`` (k,), ``b`` (k rows of d), ``c`` (k,) (zeros without a bias)."""

    a: tuple[float, ...]
    b: tuple[tuple[float, ...], ...]
    c: tuple[float, ...]


class TeacherNormalize(IRModel):
    """``normalize = sd(points = N, center = false, seed = s)``: f* is divided by its standard deviation under the
    input law (and its mean removed first when ``center``), both estimated on N Monte Carlo points drawn from the
    input law with ``Generator().manual_seed(seed + 4000003)`` (``mlc.compiler.teacher``)."""

    points: int = setting(100_000, doc="Monte Carlo points of the mean and sd", minimum=1000, maximum=10_000_000)
    center: bool = setting(False, doc="remove the mean first: (f* − mean)/sd")
    seed: int = setting(0, doc="seed of the Monte Carlo points", minimum=0)


class TeacherTarget(IRModel):
    """A fixed teacher network: f*(x) = sum_k a_k s(b_k.x + c_k) (standard scaling).

    Random weights come from ``torch.Generator().manual_seed(seed)`` under the weight ``law``: ``gaussian`` (the
    default) b_k ~ N(0, I/d), c_k ~ N(0, 1/d) if ``bias`` else 0; ``sphere`` b_k uniform on the unit sphere,
    c_k ~ U(−1, 1); ``uniform`` b_k ~ U([−1, 1]^d), c_k ~ U(−1, 1); then a_k ~ N(0, 1/width) under every law.
    Given ``weights`` replace the draw. ``normalize`` rescales the network to unit variance under the input law.
    See ``mlc.compiler.teacher``.
    """

    kind: Literal["teacher"] = "teacher"
    family: Literal["two_layer"] = "two_layer"
    width: int = setting(doc="teacher width k", minimum=1, required=True,
                         shown_default="required (or the length of `a`)")
    activation: Activation = setting("relu", doc="the teacher's activation")
    bias: bool = setting(False, doc="whether the teacher's units have a bias")
    seed: int = setting(0, doc="seed of the teacher's weights", minimum=0)
    # Added by issue 10: absent from the IR's JSON at their default (hashes of older specs unchanged).
    law: TeacherLaw = setting("gaussian", doc="the law of the teacher's inner weights", omit_default=True)
    weights: TeacherWeights | None = setting(None, doc="given weights `a = [...]`, `b = [[...], ...]`, `c = [...]`",
                                             shown_default="drawn", omit_default=True)
    normalize: TeacherNormalize | None = setting(None, doc="`sd(points = N, center = false)`: f*/sd under the input law",
                                                 shown_default="none", omit_default=True)


class LabelsTarget(IRModel):
    """`target f* = labels`: the labels of a ``dataset`` input (+1 for its first class, −1 for its second), a
    function on the data set's points only."""

    kind: Literal["labels"] = "labels"


Target = Annotated[Union[FormulaTarget, TeacherTarget, LabelsTarget], Field(discriminator="kind")]


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
