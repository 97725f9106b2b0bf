"""The payment schedule: per base and month, what is paid, when and to whom.

(二十四): 50 % of the subsidy on the planned head-count before the class starts, the other 50 %
after the trainees pass; distant or poor returning migrants get travel and lunch allowances,
paid on completion. Amounts are whole yuan and are split per trainee (advance rounded down,
balance the rest), so the schedule sums to the allocated subsidy exactly.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from matcher.training.rules import BudgetRules
from matcher.training.subsidy import split_advance

PAYMENT_COLUMNS: tuple[str, ...] = (
    "month", "due_date", "city", "base_id", "session_id", "item", "payee", "headcount",
    "amount_yuan",
)  # fmt: skip
PAYMENT_ITEMS: tuple[str, ...] = ("advance", "balance", "travel_allowance", "lunch_allowance")


def class_end_dates(start: pd.Series, hours: pd.Series, rules: BudgetRules) -> pd.Series:
    """Last day of each class: class days at ``hours_per_day``, ``days_per_week`` a week."""
    pay = rules.payment
    class_days = -(-hours.astype("int64") // pay.hours_per_day)
    calendar_days = -(-class_days * 7 // pay.days_per_week)
    return pd.to_datetime(start) + pd.to_timedelta(calendar_days - 1, unit="D")


def payment_schedule(
    placements: pd.DataFrame,
    sessions: pd.DataFrame,
    rules: BudgetRules,
    reference_date: date,
) -> pd.DataFrame:
    """The schedule of every payment the placements commit.

    Parameters
    ----------
    placements : DataFrame
        ``seeker_id``, ``session_id``, ``subsidy_yuan``, ``travel_allowance_yuan``,
        ``lunch_allowance_yuan``.
    sessions : DataFrame
        The sessions (``session_id``, ``base_id``, ``city``, ``hours``, ``start_date``).
    rules : BudgetRules
    reference_date : date
        Advances of classes that already started are due on this day (they cannot be paid in
        the past).

    Returns
    -------
    DataFrame
        Columns :data:`PAYMENT_COLUMNS`, ordered by due date, base and session. ``payee`` is
        ``base`` for subsidies and ``trainees`` for allowances.
    """
    if len(placements) == 0:
        return pd.DataFrame({c: [] for c in PAYMENT_COLUMNS}).astype(
            {"headcount": "int64", "amount_yuan": "int64"}
        )
    advance, balance = split_advance(
        placements["subsidy_yuan"].to_numpy(dtype=np.int64), rules.payment.advance_percent
    )
    per_trainee = placements[["session_id"]].assign(
        advance=advance,
        balance=balance,
        travel_allowance=placements["travel_allowance_yuan"].to_numpy(dtype=np.int64),
        lunch_allowance=placements["lunch_allowance_yuan"].to_numpy(dtype=np.int64),
    )
    long = per_trainee.melt(id_vars="session_id", var_name="item", value_name="amount_yuan")
    long = long[long["amount_yuan"] > 0]
    totals = (
        long.groupby(["session_id", "item"], sort=True)
        .agg(headcount=("amount_yuan", "size"), amount_yuan=("amount_yuan", "sum"))
        .reset_index()
    )
    info = sessions.set_index(sessions["session_id"].astype(str))
    session_key = totals["session_id"].astype(str).to_numpy()
    matched = info.reindex(session_key)
    start = pd.Series(pd.to_datetime(matched["start_date"].to_numpy()))
    end = class_end_dates(start, pd.Series(matched["hours"].to_numpy()), rules)
    day_before = start - pd.Timedelta(days=1)
    earliest = pd.Timestamp(reference_date)
    before_start = day_before.where(day_before >= earliest, earliest)
    after_pass = end + pd.Timedelta(days=rules.payment.exam_days)
    item = totals["item"].to_numpy(dtype=str)
    due = np.where(
        item == "advance",
        before_start.to_numpy(),
        np.where(item == "balance", after_pass.to_numpy(), end.to_numpy()),
    )
    # Nothing is scheduled in the past: a payment already due is due on the reference date.
    due_dates = pd.Series(pd.to_datetime(due))
    due_dates = due_dates.where(due_dates >= earliest, earliest)
    schedule = pd.DataFrame(
        {
            "month": due_dates.dt.strftime("%Y-%m").to_numpy(),
            "due_date": due_dates.dt.strftime("%Y-%m-%d").to_numpy(),
            "city": matched["city"].astype(str).to_numpy(),
            "base_id": matched["base_id"].astype(str).to_numpy(),
            "session_id": session_key,
            "item": item,
            "payee": np.where(np.isin(item, ["advance", "balance"]), "base", "trainees"),
            "headcount": totals["headcount"].to_numpy(dtype=np.int64),
            "amount_yuan": totals["amount_yuan"].to_numpy(dtype=np.int64),
        }
    )
    order = {name: i for i, name in enumerate(PAYMENT_ITEMS)}
    schedule = schedule.assign(_order=schedule["item"].map(order))
    return (
        schedule.sort_values(["due_date", "base_id", "session_id", "_order"])
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def monthly_by_base(schedule: pd.DataFrame) -> pd.DataFrame:
    """Totals per month and base (``month``, ``base_id``, ``amount_yuan``, ``headcount`` of the
    advances), the view a finance office pays from."""
    return (
        schedule.groupby(["month", "base_id"], sort=True)
        .agg(amount_yuan=("amount_yuan", "sum"), rows=("item", "size"))
        .reset_index()
    )
