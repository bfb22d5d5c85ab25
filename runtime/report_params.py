"""Which swept params a report table shows as columns and which once, in its title.

Input:  the groups of one table and the swept param keys.
Output: the varying keys and the constant values.
Role:   one rule for the measured tables (``report_table``) and the bounds tables (``report_bounds``).
"""

from __future__ import annotations

from typing import Sequence

from mlc.runtime.report_groups import Group


def split_params(groups: Sequence[Group], params: Sequence[str]) -> tuple[list[str], dict[str, float]]:
    """The params that vary across ``groups`` (table columns) and those with one value in every group
    (shown once, in the table title)."""
    varying: list[str] = []
    constant: dict[str, float] = {}
    for key in params:
        values = {g.params.get(key) for g in groups}
        if values == {None}:
            continue
        if len(values) == 1 and len(groups) > 1:
            constant[key] = next(iter(values))  # type: ignore[assignment]
        else:
            varying.append(key)
    return varying, constant
