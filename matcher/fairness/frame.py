"""The core object of the fairness metrics: one outcome, broken down by group.

Following fairlearn's ``MetricFrame`` design (and using it for the breakdown itself): the same
named metrics are computed overall and per group, and every group's placement rate is set
against the overall rate and the best-off group's rate as a ratio (disparate impact) and a
difference. Groups that are expected but empty are kept as rows with zero people and no rate,
never dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

#: Columns of every breakdown table, in order.
BREAKDOWN_COLUMNS: tuple[str, ...] = (
    "by",
    "group",
    "eligible",
    "placed",
    "placement_rate",
    "share_of_eligible",
    "share_of_places",
    "mean_value",
    "median_value",
    "rate_ratio_to_overall",
    "rate_difference_to_overall",
    "rate_ratio_to_best",
    "rate_difference_to_best",
)

Breakdown = Literal["tier", "city", "sex", "group"]

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


# Named metrics: thin functions of (placed indicator, value) as fairlearn expects (y_true,
# y_pred). They read *cells*: one row per (group, placed) with the number of seekers in it as
# the sample weight and the cell's mean value as y_pred. fairlearn calls ``np.stack`` on every
# row, which costs seconds per breakdown at 300,000 seekers; cells keep the work per group, and
# the metrics stay exact (counts, rates and means are sums of weights).
def _eligible(placed: npt.ArrayLike, value: npt.ArrayLike, sample_weight: npt.ArrayLike) -> float:
    return float(np.sum(np.asarray(sample_weight, dtype=np.float64)))


def _placed(placed: npt.ArrayLike, value: npt.ArrayLike, sample_weight: npt.ArrayLike) -> float:
    weight = np.asarray(sample_weight, dtype=np.float64)
    return float(np.sum(weight * np.asarray(placed, dtype=np.float64)))


def _rate(placed: npt.ArrayLike, value: npt.ArrayLike, sample_weight: npt.ArrayLike) -> float:
    total = _eligible(placed, value, sample_weight)
    return _placed(placed, value, sample_weight) / total if total else float("nan")


def _mean_value(placed: npt.ArrayLike, value: npt.ArrayLike, sample_weight: npt.ArrayLike) -> float:
    weight = np.asarray(sample_weight, dtype=np.float64) * np.asarray(placed, dtype=np.float64)
    total = float(weight.sum())
    return (
        float(np.sum(weight * np.asarray(value, dtype=np.float64)) / total)
        if total
        else float("nan")
    )


METRICS = {
    "eligible": _eligible,
    "placed": _placed,
    "placement_rate": _rate,
    "mean_value": _mean_value,
}


def _cells(flags: BoolArray, value: FloatArray, labels: npt.NDArray[np.object_]) -> pd.DataFrame:
    """One row per (group, placed): ``size`` (people) and ``mean`` (value; 0 when unplaced)."""
    rows = pd.DataFrame({"group": labels, "placed": flags, "value": np.where(flags, value, 0.0)})
    cells = rows.groupby(["group", "placed"], sort=True, observed=True)["value"].agg(
        ["size", "mean", "median"]
    )
    return cells.reset_index()


def _metric_frame(cells: pd.DataFrame) -> pd.DataFrame:
    """fairlearn's MetricFrame over (group, placed) cells, plus the median value per group.

    Cells of overlapping groups may be stacked: the breakdown only groups rows by label, so each
    group's figures are its own (the overall is computed by the callers, not taken from here).
    """
    from fairlearn.metrics import MetricFrame

    weight = cells["size"].to_numpy(dtype=np.float64)
    frame = MetricFrame(
        metrics=METRICS,
        y_true=cells["placed"].to_numpy(dtype=np.int64),
        y_pred=cells["mean"].to_numpy(dtype=np.float64),
        sensitive_features=pd.Series(cells["group"].to_numpy(), name="group"),
        sample_params={name: {"sample_weight": weight} for name in METRICS},
    )
    table = frame.by_group.reset_index()
    medians = cells[cells["placed"]].set_index("group")["median"]
    table["median_value"] = table["group"].map(medians).astype(np.float64)
    return table


def _ratio(numerator: pd.Series, denominator: float) -> pd.Series:
    if not np.isfinite(denominator) or denominator == 0:
        return pd.Series(np.nan, index=numerator.index)
    return numerator / denominator


def _finish(
    table: pd.DataFrame, by: str, overall_rate: float, total: float, placed: float
) -> pd.DataFrame:
    """Shares, ratios and differences, from the per-group counts and rates."""
    table = table.copy()
    table.insert(0, "by", by)
    table["eligible"] = table["eligible"].astype(np.int64)
    table["placed"] = table["placed"].astype(np.int64)
    table["share_of_eligible"] = table["eligible"] / total if total else np.nan
    table["share_of_places"] = table["placed"] / placed if placed else np.nan
    rates = table["placement_rate"].astype(np.float64)
    best = float(rates.max()) if rates.notna().any() else float("nan")
    table["rate_ratio_to_overall"] = _ratio(rates, overall_rate)
    table["rate_difference_to_overall"] = rates - overall_rate
    table["rate_ratio_to_best"] = _ratio(rates, best)
    table["rate_difference_to_best"] = rates - best
    return table[list(BREAKDOWN_COLUMNS)].reset_index(drop=True)


def _empty_row(group: object) -> dict[str, object]:
    return {
        "group": group,
        "eligible": 0,
        "placed": 0,
        "placement_rate": np.nan,
        "mean_value": np.nan,
        "median_value": np.nan,
    }


def breakdown(
    placed: BoolArray,
    value: FloatArray,
    labels: Sequence[object] | npt.ArrayLike,
    *,
    by: str,
    expected: Sequence[object] = (),
) -> pd.DataFrame:
    """Placement metrics per value of one partition of the seekers (tier, city, sex).

    Parameters
    ----------
    placed : bool array
        One flag per seeker.
    value : float array
        The predicted match value of each seeker's placement (anything for the unplaced).
    labels : array
        The group of each seeker; missing labels form the group ``"(missing)"``.
    by : str
        Name of the partition (``tier``, ``city``, ``sex``), written in the ``by`` column.
    expected : sequence
        Groups to list even when nobody is in them (e.g. every city with posts).

    Returns
    -------
    DataFrame
        :data:`BREAKDOWN_COLUMNS`, one row per group, sorted by group.
    """
    flags = np.asarray(placed, dtype=bool)
    names = (
        pd.Series(np.asarray(labels)).astype("string").fillna("(missing)").astype(object).to_numpy()
    )
    total, n_placed = float(len(flags)), float(flags.sum())
    overall_rate = n_placed / total if total else float("nan")
    if len(flags):
        table = _metric_frame(_cells(flags, np.asarray(value, dtype=np.float64), names))
    else:
        table = pd.DataFrame(columns=["group", *METRICS, "median_value"])
    present = {str(g) for g in table["group"]}
    missing = [_empty_row(str(g)) for g in expected if str(g) not in present]
    if missing:
        table = pd.concat([table, pd.DataFrame(missing)], ignore_index=True)
    table["group"] = table["group"].astype(str)
    table = table.sort_values("group", key=_natural_key, kind="stable")
    return _finish(table, by, overall_rate, total, n_placed)


def membership_breakdown(
    placed: BoolArray, value: FloatArray, members: Mapping[str, BoolArray]
) -> pd.DataFrame:
    """Placement metrics per (possibly overlapping) group given by a membership flag each.

    Each group's members form its own cells, and one ``MetricFrame`` breaks the stacked cells
    down by group; a group with no members is kept with zero people. Shares of places do not
    add up to 1, since a person may be in several groups.
    """
    flags = np.asarray(placed, dtype=bool)
    total, n_placed = float(len(flags)), float(flags.sum())
    overall_rate = n_placed / total if total else float("nan")
    values = np.asarray(value, dtype=np.float64)
    parts = []
    for group, member in members.items():
        member = np.asarray(member, dtype=bool)
        if member.any():
            labels = np.full(int(member.sum()), group, dtype=object)
            parts.append(_cells(flags[member], values[member], labels))
    table = _metric_frame(pd.concat(parts, ignore_index=True)) if parts else pd.DataFrame()
    present = set(table["group"]) if len(table) else set()
    empty = [_empty_row(group) for group in members if group not in present]
    table = pd.concat([table, pd.DataFrame(empty)], ignore_index=True) if empty else table
    order = {group: i for i, group in enumerate(members)}
    table = table.sort_values("group", key=lambda g: g.map(order), kind="stable")
    return _finish(table, "group", overall_rate, total, n_placed)


def _natural_key(groups: pd.Series) -> pd.Series:
    """Sort numbers as numbers (tier 2 before tier 10), text after them."""
    numeric = pd.to_numeric(groups, errors="coerce")
    return pd.Series(
        [
            (0, float(n), "") if pd.notna(n) else (1, 0.0, str(g))
            for n, g in zip(numeric, groups, strict=True)
        ],
        index=groups.index,
    )
