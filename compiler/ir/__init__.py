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

The IR is split by part: ``base`` (the model class and the settings schema), ``problem``, ``training``,
``plan`` and ``hashing``; this package re-exports all of them, so ``ir.Run`` is the one name of a run.
The model modules (and ``compiler.expr``) do without ``from __future__ import annotations``: pydantic would
evaluate every field's annotation string at import, which was 3 % of the instructions of ``mlc check``.
"""

# The expression nodes are part of the IR's namespace (explicit re-exports).
from mlc.compiler.expr import (
    EXPR_NODES as EXPR_NODES, Binary as Binary, Call as Call, Component as Component, Dot as Dot,
    Expr as Expr, ExprNode as ExprNode, ExprVisitor as ExprVisitor, IndexVar as IndexVar,
    InputVar as InputVar, Neg as Neg, Norm as Norm, Num as Num, Sum as Sum, Vector as Vector, walk as walk,
)
from mlc.compiler.ir.base import (
    new_field as new_field,
    IR_VERSION as IR_VERSION, IRModel as IRModel, setting as setting,
)
from mlc.compiler.ir.problem import (
    InputKind as InputKind, DataFile as DataFile, DataSetRef as DataSetRef, LabelsTarget as LabelsTarget, InputDist as InputDist, Activation as Activation, FormulaTarget as FormulaTarget,
    TeacherTarget as TeacherTarget, TeacherLaw as TeacherLaw, TeacherWeights as TeacherWeights,
    TeacherNormalize as TeacherNormalize, Target as Target, Space as Space, Data as Data,
)
from mlc.compiler.ir.training import (
    Scaling as Scaling, InitLaw as InitLaw, InitChoice as InitChoice, FeatureDraw as FeatureDraw,
    Model as Model, WeightsFile as WeightsFile, Loss as Loss, PenaltyKind as PenaltyKind, Penalty as Penalty,
    Optimizer as Optimizer, StopRule as StopRule, Record as Record, Solve as Solve, FLOW_MIN_RTOL as FLOW_MIN_RTOL,
    CLOSED_FORM_SOLVES as CLOSED_FORM_SOLVES, Train as Train,
)
from mlc.compiler.ir.plan import (
    PlotX as PlotX, Plot as Plot, Mark as Mark, Summary as Summary, Report as Report, Quantity as Quantity,
    Claim as Claim, ClaimKind as ClaimKind, ClaimValue as ClaimValue,
    QUANTITY_OF_FIELD as QUANTITY_OF_FIELD, quantity_of_field as quantity_of_field, SEED_KEY as SEED_KEY,
    SlotSection as SlotSection, Slot as Slot, SweepAxis as SweepAxis, SweepBlock as SweepBlock,
    Conventions as Conventions, Run as Run, RateRelation as RateRelation, RatePrediction as RatePrediction,
    Plan as Plan, plan_json_schema as plan_json_schema,
)
from mlc.compiler.ir.hashing import (
    canonical_json as canonical_json, content_hash as content_hash, RUN_LABELS as RUN_LABELS,
    RUN_DERIVED as RUN_DERIVED, run_hash as run_hash,
)
