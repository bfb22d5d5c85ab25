"""The seed corpus: the shipped specs and the examples of the docs.

Input:  the repository's ``specs/*.ml`` and the fenced code blocks of ``docs/*.md`` and ``README.md``.
Output: :func:`seeds`: a list of (name, text) pairs, sorted by name.
Role:   what the mutation fuzzer starts from: real specs reach every statement, setting and checker rule,
        so their mutants do too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_STATEMENT = re.compile(r"^(problem|let|input|target|space|data|model|train|sweep|report)\b", re.MULTILINE)


@lru_cache(maxsize=1)
def seeds() -> tuple[tuple[str, str], ...]:
    """Every seed spec: the shipped specs, then each docs example that holds at least one statement."""
    found = [(path.name, path.read_text(encoding="utf-8")) for path in sorted((ROOT / "specs").glob("*.ml"))]
    for doc in sorted([*(ROOT / "docs").glob("*.md"), ROOT / "README.md"]):
        for i, match in enumerate(_FENCE.finditer(doc.read_text(encoding="utf-8"))):
            block = match.group(1)
            if _STATEMENT.search(block) and not block.lstrip().startswith(("$", "mlc ", "python", "pip")):
                found.append((f"{doc.name}#{i}", block))
    return tuple(found)
