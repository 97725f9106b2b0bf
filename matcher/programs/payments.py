"""Who pays a programme's allowances: for internships (十七) the monthly allowance (见习补贴)
of each placement, its length, and the province's share (省财政承担2/3) beside the host
unit's — read from the programme's rules file (``[subsidy]``), never written here."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from matcher.policy.rules import CompiledPolicy
from matcher.schemas.columns import POST_ID, SEEKER_ID

PAYMENT_COLUMNS: tuple[str, ...] = (
    SEEKER_ID, POST_ID, "city", "monthly_allowance", "months", "province_share",
    "province_monthly", "unit_monthly", "province_total", "unit_total",
)  # fmt: skip


def allowance_payments(
    placements: pd.DataFrame, posts: pd.DataFrame, policy: CompiledPolicy
) -> pd.DataFrame:
    """One row per placement of ``policy``'s programme: the allowance (the post's ``wage``)
    split between the province and the host unit, per month and over the post's
    ``duration_months`` (the rules file's longest, ``max_months``, where a post gives none).
    Yuan, rounded to the fen; the unit pays what the province does not, so the two always sum
    to the allowance. Empty when the programme has no ``[subsidy]``."""
    if policy.subsidy is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PAYMENT_COLUMNS})
    share: Fraction = policy.subsidy.share
    table = posts.set_index(posts[POST_ID].astype(str))
    ids = placements[POST_ID].astype(str).to_numpy()
    allowance = table["wage"].reindex(ids).astype("float64").to_numpy()
    default_months = float(policy.parameters.get("max_months", 1))  # type: ignore[arg-type]
    months = (
        table["duration_months"].reindex(ids).astype("Float64").fillna(default_months).to_numpy()
        if "duration_months" in table.columns
        else np.full(len(ids), default_months)
    ).astype(float)
    province = np.round(allowance * share.numerator / share.denominator, 2)
    unit = np.round(allowance - province, 2)
    return pd.DataFrame(
        {
            SEEKER_ID: placements[SEEKER_ID].astype(str).to_numpy(),
            POST_ID: ids,
            "city": table["city"].reindex(ids).astype(str).to_numpy(),
            "monthly_allowance": allowance,
            "months": months.astype(np.int64),
            "province_share": str(share),
            "province_monthly": province,
            "unit_monthly": unit,
            "province_total": np.round(province * months, 2),
            "unit_total": np.round(unit * months, 2),
        }
    )


def payment_summary(payments: pd.DataFrame) -> dict[str, Any]:
    """Totals of :func:`allowance_payments` for a run's summary: placements, the monthly
    allowances and what the province and the units pay over the internships."""
    if payments.empty:
        return {"placements": 0}
    return {
        "placements": len(payments),
        "province_share": str(payments["province_share"].iloc[0]),
        "monthly_allowance": round(float(payments["monthly_allowance"].sum()), 2),
        "province_monthly": round(float(payments["province_monthly"].sum()), 2),
        "unit_monthly": round(float(payments["unit_monthly"].sum()), 2),
        "province_total": round(float(payments["province_total"].sum()), 2),
        "unit_total": round(float(payments["unit_total"].sum()), 2),
    }


__all__ = ["PAYMENT_COLUMNS", "allowance_payments", "payment_summary"]
