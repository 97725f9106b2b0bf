"""The money and duration rules a programme's posts must keep, as its rules file states them
(``[[post_rules]]``): grassroots pay of at least 1,000 yuan a month (十), internships of at most
6 months with an allowance of at least 60 % of the city's minimum wage (十七). ``matcher
validate`` and the upload path report a breach like any other problem: file, row, column,
value, and the clause."""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

import numpy as np
import pandas as pd

from matcher.errors import Problem
from matcher.policy.rules import CompiledPolicy, PostRule, load_policy, policy_programs
from matcher.reference import minimum_wages


def shipped_policies() -> list[CompiledPolicy]:
    """Every shipped programme's rules (the files in ``data/policies/``)."""
    return [load_policy(program) for program in policy_programs()]


def _floor_and_ceiling(rule: PostRule, city: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    n = len(city)
    low = np.full(n, -np.inf)
    high = np.full(n, np.inf)
    # Compiled rules hold numbers (a parameter's name is resolved by load_policy).
    if rule.at_least is not None:
        low = np.maximum(low, float(rule.at_least))
    if rule.at_least_share_of_minimum_wage is not None:
        share = Fraction(str(rule.at_least_share_of_minimum_wage))
        # Whole yuan, rounded up, per city (60 % of 700 is 420, of 650 is 390); no floor for
        # a city without a minimum wage.
        floors = {code: math.ceil(share * wage) for code, wage in minimum_wages().items()}
        low = np.maximum(low, city.map(floors).astype("float64").fillna(-np.inf).to_numpy())
    if rule.at_most is not None:
        high = np.minimum(high, float(rule.at_most))
    return low, high


def _bound_text(rule: PostRule, low: float, high: float) -> str:
    parts = []
    if np.isfinite(low):
        parts.append(f"at least {low:,.0f}")
    if np.isfinite(high):
        parts.append(f"at most {high:,.0f}")
    return " and ".join(parts)


def post_rule_problems(
    posts: pd.DataFrame,
    label: str,
    *,
    first_row: int,
    policies: Iterable[CompiledPolicy] | None = None,
) -> list[Problem]:
    """Every breach of a programme's post rules in a validated posts table.

    Parameters
    ----------
    posts : DataFrame
        Parsed posts (``program``, ``city`` and the rules' columns).
    label : str
        The file, as problems name it.
    first_row : int
        The spreadsheet row of the frame's index 0 (the header is row 1).
    policies : iterable of CompiledPolicy, optional
        The rules to check; the shipped files by default.
    """
    problems: list[Problem] = []
    if posts.empty:
        return problems
    for policy in shipped_policies() if policies is None else policies:
        mine = (posts["program"] == policy.program.id).fillna(False).to_numpy(dtype=bool)
        if not policy.post_rules or not mine.any():
            continue
        rows = posts.loc[mine]
        for rule in policy.post_rules:
            if rule.column not in rows.columns:
                continue
            values = pd.to_numeric(rows[rule.column], errors="coerce").astype("float64")
            low, high = _floor_and_ceiling(rule, rows["city"].astype(str))
            given = values.notna().to_numpy()
            number = values.to_numpy()
            bad = given & ((number < low) | (number > high))
            missing = ~given if rule.required else np.zeros(len(rows), dtype=bool)
            for position in np.flatnonzero(bad | missing):
                index = rows.index[int(position)]
                value = None if missing[position] else f"{number[position]:g}"
                bound = _bound_text(rule, low[position], high[position])
                rule_text = (
                    f"{policy.program.id} post must give {rule.column}: {rule.clause}"
                    if missing[position]
                    else f"{policy.program.id} post needs {rule.column} {bound}: {rule.clause}"
                )
                problems.append(
                    Problem(label, int(index) + first_row, rule.column, value, rule_text)
                )
    return problems


__all__ = ["post_rule_problems", "shipped_policies"]
