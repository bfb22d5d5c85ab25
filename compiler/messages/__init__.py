"""The message catalogue: every diagnostic that the checker, the sweep, constant folding and target formulas
report (and, through :mod:`mlc.dsl.messages`, the front end).

Input:  the facts of one problem (names, values, spans, candidates for a suggestion).
Output: :class:`~mlc.dsl.diagnostics.Diagnostic` records, each with its code, wording, help and ``kind``
        (the name of the constructor that built it).
Role:   one named constructor per message kind, as mypy's ``message_registry`` and stanc3's
        ``Semantic_error`` have, so that the wording of a message lives in one place. :data:`KINDS` lists every
        kind with its code, the front end's too (:mod:`mlc.dsl.messages`: reading, syntax, desugaring; both
        catalogues register in :mod:`mlc.dsl.message_kinds`, since ``mlc.dsl`` imports nothing of ours);
        ``tests/golden/diagnostics/<CODE>_<kind>.ml`` holds one bad spec per kind and ``tests/test_golden.py``
        checks both directions (every kind has a golden, every golden names a kind).

Each section module holds the kinds of one part of the checker. A constructor returns the text, the span and
the help; :func:`~mlc.dsl.message_kinds.message_kind` registers it and turns the result into a
Diagnostic. Raise one with ``raise fail(messages.not_an_integer(...))``.
"""

from mlc.compiler.messages.registry import KINDS as KINDS, fail as fail
from mlc.compiler.messages.statements import *  # noqa: F403
from mlc.compiler.messages.problem import *  # noqa: F403
from mlc.compiler.messages.training import *  # noqa: F403
from mlc.compiler.messages.sweep import *  # noqa: F403
from mlc.compiler.messages.folding import *  # noqa: F403
from mlc.compiler.messages.resources import *  # noqa: F403
from mlc.compiler.messages.formula import *  # noqa: F403
from mlc.compiler.messages.claims import *  # noqa: F403
from mlc.compiler.messages.msa import *  # noqa: F403
import mlc.dsl.messages as _front_end  # noqa: E402, F401 - registers the front end's kinds in KINDS
