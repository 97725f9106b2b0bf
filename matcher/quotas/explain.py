"""Explanations a region can check, and every method side by side.

Exact values are decided in :mod:`matcher.quotas.methods`; here they are only shown, as floats
rounded to 10 significant digits (the seat counts never pass through a float).
"""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd

from matcher.quotas.methods import METHODS, Apportionment, Method, bounded_quotas, seat_range
from matcher.quotas.weights import WeightsTable

_DIGITS = 10


def _shown(value: Fraction | None, *, squared: bool = False) -> float | None:
    if value is None:
        return None
    number = math.sqrt(value) if squared else float(value)
    # Significant digits, not decimals: priorities can be tiny and differ late.
    return float(f"{number:.{_DIGITS}g}")


def _range_text(low: int, high: int) -> str:
    return str(low) if low == high else f"{low} or {high}"


def quota_rule_holds(seats_low: int, seats_high: int, quota: Fraction) -> bool:
    """Whether every possible seat count lies in ``[floor(quota), ceil(quota)]``."""
    return math.floor(quota) <= seats_low and seats_high <= math.ceil(quota)


def divisor_interval(result: Apportionment) -> tuple[Fraction | None, Fraction | None]:
    """``(low, high)``: any divisor ``D`` with ``low < D <= high`` yields the result.

    ``low`` is the largest priority of a seat not given, ``high`` the smallest priority of a seat
    given above a minimum (``None`` where no such seat exists). Huntington-Hill values are squared.
    Only for divisor methods.
    """
    if result.last_priority is None or result.next_priority is None:
        raise ValueError("divisor_interval needs a divisor method result")
    given = [p for p in result.last_priority if p is not None]
    waiting = [p for p in result.next_priority if p is not None]
    return (max(waiting) if waiting else None, min(given) if given else None)


def explanation_frame(result: Apportionment, *, compare: bool = True) -> pd.DataFrame:
    """One row per region: its quota and the figures that decided it.

    Columns: ``region``, ``quota``, ``weight``, ``share`` (of the total weight),
    ``standard_quota`` (``weight * total / sum(weight)``), ``bounded_quota`` (the standard quota
    after bounds, see :func:`~matcher.quotas.methods.bounded_quotas`), ``gain`` (``quota -
    standard_quota``), ``within_quota`` (quota rule against the bounded quota), ``min``, ``max``,
    ``bound`` (``"min"``/``"max"`` when the region sits at a bound), then for divisor methods
    ``last_seat_priority`` and ``next_seat_priority`` and the ``divisor_low``/``divisor_high``
    interval, for Hamilton ``remainder`` and ``remainder_cutoff``; ``decided_by`` in words;
    ``lot`` (``"won"``/``"lost"`` when a tie was drawn), and with ``compare`` one
    ``by_<method>`` column per method under the same bounds (``"12 or 13"`` for an open tie).
    """
    n = len(result.regions)
    weight_sum = sum(result.weights)
    squared = result.method == "huntington-hill"
    rows: dict[str, list[object]] = {
        "region": list(result.regions),
        "quota": list(result.seats),
        "weight": [_shown(w) for w in result.weights],
        "share": [_shown(w / weight_sum) for w in result.weights],
        "standard_quota": [_shown(q) for q in result.standard_quotas],
        "bounded_quota": [_shown(q) for q in result.bounded_quotas],
        "gain": [_shown(s - q) for s, q in zip(result.seats, result.standard_quotas, strict=True)],
        "within_quota": [
            quota_rule_holds(s, s, q)
            for s, q in zip(result.seats, result.bounded_quotas, strict=True)
        ],
        "min": list(result.minimum),
        "max": [pd.NA if v is None else v for v in result.maximum],
        "bound": [
            "max"
            if result.maximum[i] is not None and result.seats[i] == result.maximum[i]
            else "min"
            if result.seats[i] == result.minimum[i] and result.minimum[i] > 0
            else ""
            for i in range(n)
        ],
    }
    decided: list[str] = []
    if result.remainders is not None:
        extra = [result.seats[i] > math.floor(result.bounded_quotas[i]) for i in range(n)]
        given = [r for r, e in zip(result.remainders, extra, strict=True) if e]
        cutoff = min(given) if given else None
        rows["remainder"] = [_shown(r) for r in result.remainders]
        rows["remainder_cutoff"] = [_shown(cutoff)] * n
        for i in range(n):
            floor_seats = math.floor(result.bounded_quotas[i])
            if result.bounded_quotas[i] == floor_seats and rows["bound"][i]:
                decided.append(f"held at its {rows['bound'][i]} of {result.seats[i]}")
            elif result.seats[i] > floor_seats:
                decided.append(
                    f"{floor_seats} whole seats + 1 for remainder "
                    f"{_shown(result.remainders[i])} (extra seats went to remainders >= "
                    f"{_shown(cutoff)})"
                )
            else:
                decided.append(
                    f"{floor_seats} whole seats; remainder {_shown(result.remainders[i])} "
                    f"below the cutoff {_shown(cutoff)}"
                )
    else:
        assert result.last_priority is not None and result.next_priority is not None
        low, high = divisor_interval(result)
        rows["last_seat_priority"] = [_shown(p, squared=squared) for p in result.last_priority]
        rows["next_seat_priority"] = [_shown(p, squared=squared) for p in result.next_priority]
        rows["divisor_low"] = [_shown(low, squared=squared)] * n
        rows["divisor_high"] = [_shown(high, squared=squared)] * n
        for i in range(n):
            parts = []
            last, nxt = result.last_priority[i], result.next_priority[i]
            if result.seats[i] == result.minimum[i] and result.minimum[i] > 0:
                parts.append(f"minimum of {result.minimum[i]}")
            if last is not None:
                parts.append(
                    f"seat {result.seats[i]} at priority {_shown(last, squared=squared)} >= divisor"
                )
            elif result.seats[i] > result.minimum[i]:
                parts.append("first seat(s) before any divisor")
            if nxt is not None:
                parts.append(
                    f"seat {result.seats[i] + 1} would need priority "
                    f"{_shown(nxt, squared=squared)} > divisor"
                )
            elif result.maximum[i] is not None and result.seats[i] == result.maximum[i]:
                parts.append(f"capped at maximum {result.maximum[i]}")
            elif result.weights[i] == 0:
                parts.append("zero weight: held at its minimum")
            decided.append("; ".join(parts))
    rows["decided_by"] = list(decided)
    lot: list[object] = [""] * n
    if result.tie is not None:
        for i, region in enumerate(result.regions):
            if region in result.tie.regions:
                lot[i] = "won" if region in result.lot_winners else "lost"
    rows["lot"] = lot
    if compare:
        for method in METHODS:
            other = seat_range(
                result.regions,
                result.weights,
                result.total,
                method,
                minimum=result.minimum,
                maximum=result.maximum,
            )
            rows[f"by_{method}"] = [
                _range_text(lo, hi) for lo, hi in zip(other.low, other.high, strict=True)
            ]
    return pd.DataFrame(rows)


def compare_frame(
    table: WeightsTable, total: int, methods: tuple[Method, ...] = METHODS
) -> pd.DataFrame:
    """Every method side by side for the same weights, bounds and total.

    One row per region with ``region``, ``weight``, ``standard_quota``, ``bounded_quota`` and,
    per method, ``<method>`` (seats; ``"12 or 13"`` when a tie is left open), ``<method>_gain``
    (seats minus the standard quota; the midpoint for an open tie) and ``<method>_within_quota``
    (``False`` flags a violation of the quota rule against the bounded quota).
    """
    # Solving first validates the input, so a bad table fails with the solver's own message.
    results = [
        seat_range(
            table.regions,
            table.weights,
            total,
            method,
            minimum=table.minimum,
            maximum=table.maximum,
        )
        for method in methods
    ]
    weight_sum = sum(table.weights)
    standard = [w * total / weight_sum for w in table.weights]
    bounded = bounded_quotas(table.weights, total, table.minimum, table.maximum)
    rows: dict[str, list[object]] = {
        "region": list(table.regions),
        "weight": [_shown(w) for w in table.weights],
        "standard_quota": [_shown(q) for q in standard],
        "bounded_quota": [_shown(q) for q in bounded],
    }
    for method, result in zip(methods, results, strict=True):
        rows[method] = [_range_text(lo, hi) for lo, hi in zip(result.low, result.high, strict=True)]
        rows[f"{method}_gain"] = [
            _shown(Fraction(lo + hi, 2) - q)
            for lo, hi, q in zip(result.low, result.high, standard, strict=True)
        ]
        rows[f"{method}_within_quota"] = [
            quota_rule_holds(lo, hi, q)
            for lo, hi, q in zip(result.low, result.high, bounded, strict=True)
        ]
    return pd.DataFrame(rows)
