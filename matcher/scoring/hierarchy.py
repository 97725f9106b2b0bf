"""The CSCO code hierarchy: which code lies under which, as prefixes and sparse matrices.

A CSCO 2022 code ``a-bb-cc-dd`` names a major group (``a-00-00-00``), a middle group
(``a-bb-00-00``), a minor group (``a-bb-cc-00``) or an occupation. Trailing ``-00`` parts mark
a coarser code, so "code X lies under code Y" is "X starts with Y's stem", where the stem is
Y without its trailing ``-00`` parts. A labelled title coded ``2-02-00-00`` is therefore right
for every code under the middle group ``2-02``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

# Group levels a fine code can back off to, finest first (the minor, then the middle group).
BACK_OFF_LEVELS: tuple[int, ...] = (3, 2)


def code_stem(code: str) -> str:
    """The code without its trailing ``-00`` parts: ``2-02-00-00`` → ``2-02``."""
    stem = code.strip()
    while stem.endswith("-00"):
        stem = stem[:-3]
    return stem


def lies_under(code: str, ancestor: str) -> bool:
    """Whether ``code`` is ``ancestor`` or lies under it in the hierarchy.

    >>> lies_under("2-02-30-01", "2-02-00-00")
    True
    >>> lies_under("2-02-00-00", "2-02-30-01")
    False
    """
    stem, parent = code_stem(code), code_stem(ancestor)
    return stem == parent or stem.startswith(parent + "-")


def group_of(code: str, level: int) -> str | None:
    """The code's group at ``level`` (1 major, 2 middle, 3 minor), or ``None`` if it has none.

    >>> group_of("4-01-02-03", 3)
    '4-01-02-00'
    >>> group_of("1-01-00-01", 3) is None
    True
    """
    parts = code.strip().split("-")
    if len(parts) != 4 or not 1 <= level <= 3:
        return None
    if any(part.strip("0") == "" for part in parts[1:level]):
        return None  # no group at this level ("1-01-00-01" has no minor group)
    if level > 1 and parts[level - 1].strip("0") == "":
        return None
    group = parts[:level] + ["00"] * (4 - level)
    return "-".join(group)


def ancestor_matrix(codes: Sequence[str], targets: Sequence[str]) -> sparse.csr_matrix:
    """``M[i, j] = 1`` when ``codes[i]`` lies under ``targets[j]`` (or is it).

    Multiplying label probabilities over ``targets`` by ``M.T`` gives, for each code, the
    probability that answering it is right: the mass of every label it lies under.
    """
    by_stem: dict[str, list[int]] = {}
    for column, target in enumerate(targets):
        by_stem.setdefault(code_stem(target), []).append(column)
    rows: list[int] = []
    columns: list[int] = []
    for row, code in enumerate(codes):
        stem = code_stem(code)
        parts = stem.split("-")
        for depth in range(1, len(parts) + 1):
            for column in by_stem.get("-".join(parts[:depth]), ()):
                rows.append(row)
                columns.append(column)
    data = np.ones(len(rows), dtype=np.float64)
    return sparse.csr_matrix((data, (rows, columns)), shape=(len(codes), len(targets)))
