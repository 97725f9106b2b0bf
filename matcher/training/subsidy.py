"""Subsidy per trainee of each session, in whole yuan, under the money rules.

SYB (二十四): at least 200 class hours at 10 yuan per hour, so 2,000 yuan per trainee at 200 hours.
On-the-job training (八): at most 50 % of the cost. Other kinds: hours × the session's rate.
Rates are given in yuan with at most two decimals (fen); the product is rounded down to whole yuan
so the office never promises more than the rule allows.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from matcher.errors import DataValidationError, Problem
from matcher.training.rules import BudgetRules

IntArray = npt.NDArray[np.int64]


def session_problems(sessions: pd.DataFrame, rules: BudgetRules, label: str) -> list[Problem]:
    """Sessions that break the money rules (SYB hours and rate), one problem each.

    ``row`` follows the loader's convention: header is row 1, first data row is row 2.
    """
    problems: list[Problem] = []
    kind = sessions["kind"].astype(str).to_numpy()
    hours = sessions["hours"].to_numpy(dtype=np.int64)
    rate_fen = np.rint(sessions["subsidy_per_hour"].to_numpy(dtype=float) * 100).astype(np.int64)
    for position in np.flatnonzero((kind == "syb") & (hours < rules.syb.min_hours)):
        problems.append(
            Problem(
                label,
                int(position) + 2,
                "hours",
                str(hours[position]),
                f"SYB training needs at least {rules.syb.min_hours} class hours (二十四)",
            )
        )
    for position in np.flatnonzero((kind == "syb") & (rate_fen > rules.syb.subsidy_per_hour * 100)):
        problems.append(
            Problem(
                label,
                int(position) + 2,
                "subsidy_per_hour",
                f"{rate_fen[position] / 100:g}",
                f"SYB subsidy is at most {rules.syb.subsidy_per_hour} yuan per class hour (二十四)",
            )
        )
    return problems


def subsidy_per_trainee(sessions: pd.DataFrame, rules: BudgetRules) -> IntArray:
    """Whole yuan paid per trainee of each session (aligned with ``sessions``).

    Raises
    ------
    DataValidationError
        If a session breaks the SYB rules (see :func:`session_problems`).
    """
    problems = session_problems(sessions, rules, "training_sessions.csv")
    if problems:
        raise DataValidationError(problems)
    hours = sessions["hours"].to_numpy(dtype=np.int64)
    rate_fen = np.rint(sessions["subsidy_per_hour"].to_numpy(dtype=float) * 100).astype(np.int64)
    full_fen = hours * rate_fen
    on_the_job = sessions["kind"].astype(str).to_numpy() == "on_the_job"
    # (八): the subsidy is at most the cost share of the cost of the course.
    cap_fen = hours * rules.on_the_job.cost_per_hour * rules.on_the_job.max_cost_share_percent
    full_fen = np.where(on_the_job, np.minimum(full_fen, cap_fen), full_fen)
    return full_fen // 100


def split_advance(amount: IntArray, advance_percent: int) -> tuple[IntArray, IntArray]:
    """Split whole-yuan amounts into the advance and the balance, exactly.

    The advance is rounded down, the balance is the rest, so ``advance + balance == amount``
    always holds (2,000 yuan at 50 % gives 1,000 + 1,000).
    """
    amount = np.asarray(amount, dtype=np.int64)
    advance = amount * advance_percent // 100
    return advance, amount - advance
