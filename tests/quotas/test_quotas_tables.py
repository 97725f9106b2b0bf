"""Weights tables, need from eligibility, two-level splits and the paradox audit."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.errors import DataValidationError, InfeasibleError
from matcher.quotas.levels import apportion_within, split_urban_rural
from matcher.quotas.methods import seat_range
from matcher.quotas.need import need_weights, parse_tier_weights
from matcher.quotas.paradox import audit_house_monotonicity
from matcher.quotas.weights import (
    decimal_text,
    weights_from_frame,
    with_max_share,
    with_minimum_each,
    with_topup,
)

# ---------------------------------------------------------------------------------------------
# weights table


def test_every_problem_reported_with_rows() -> None:
    frame = pd.DataFrame(
        {
            "region": ["A", "", "A", "D"],
            "weight": ["1", "2", "x", "-3"],
            "min": ["", "1.5", "", "2"],
            "max": ["", "", "", "1"],
        }
    )
    with pytest.raises(DataValidationError) as caught:
        weights_from_frame(frame, source="W.csv")
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {
        (3, "region"),
        (3, "min"),
        (4, "region"),
        (4, "weight"),
        (5, "weight"),
        (5, "max"),
    }


def test_missing_columns() -> None:
    with pytest.raises(DataValidationError, match="required column"):
        weights_from_frame(pd.DataFrame({"region": ["A"]}))


def test_weights_are_exact_from_text_and_numbers() -> None:
    table = weights_from_frame(pd.DataFrame({"region": ["A", "B"], "weight": [0.1, 2]}))
    assert table.weights == (Fraction(1, 10), Fraction(2))


@settings(max_examples=100, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False))
def test_decimal_text_round_trips(value) -> None:
    exact = Fraction(str(value))
    assert Fraction(decimal_text(exact)) == exact


def test_presets() -> None:
    table = weights_from_frame(
        pd.DataFrame({"region": ["2101", "2109"], "weight": ["3", "1"], "max": ["", "9"]})
    )
    assert with_minimum_each(table, 2).minimum == (2, 2)
    assert with_max_share(table, 100, Fraction(5)).maximum == (5, 5)
    assert with_topup(table, ["2109"], Fraction(10)).weights == (Fraction(3), Fraction(11, 10))
    with pytest.raises(DataValidationError):
        with_minimum_each(table, 10)  # 2109's max of 9 is below it


# ---------------------------------------------------------------------------------------------
# need


def _eligibility() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "seeker_id": [f"s{i}" for i in range(6)],
            "city": ["2101", "2101", "2101", "2102", "2102", "2103"],
            "district": ["210102", "210102", "210181", "210202", "210202", "210302"],
            "eligible": [True, True, False, True, True, True],
            "tier": pd.array([1, 2, pd.NA, 1, 1, 3], dtype="Int64"),
            "groups": [""] * 6,
            "reasons": [""] * 6,
        }
    )


def test_need_weights_by_city_with_tier_weights() -> None:
    frame = need_weights(_eligibility(), tier_weights={1: Fraction(3), 2: Fraction("1.5")})
    rows = frame.set_index("region")
    assert rows.loc["2101", "weight"] == "4.5"  # 3 + 1.5; the ineligible seeker counts 0
    assert rows.loc["2102", "weight"] == "6"
    assert rows.loc["2103", "weight"] == "1"  # tier 3 unlisted: counts 1
    assert rows.loc["2101", "eligible"] == 2 and rows.loc["2101", "seekers"] == 3
    assert rows.loc["2102", "tier_1"] == 2


def test_need_weights_by_district_carries_parent() -> None:
    frame = need_weights(_eligibility(), by="district").set_index("region")
    assert frame.loc["210181", "weight"] == "0"
    assert frame.loc["210181", "parent"] == "2101"
    assert frame["eligible"].sum() == 5


def test_need_weights_refuses_eligible_without_tier() -> None:
    bad = _eligibility()
    bad["tier"] = pd.array([pd.NA, 2, pd.NA, 1, 1, 3], dtype="Int64")
    with pytest.raises(DataValidationError) as caught:
        need_weights(bad)
    assert [p.row for p in caught.value.problems] == [2]


def test_parse_tier_weights() -> None:
    assert parse_tier_weights("1=3, 2=1.5") == {1: Fraction(3), 2: Fraction(3, 2)}
    for bad in ("1", "0=2", "1=-1", "1=2,1=3", "a=b"):
        with pytest.raises(ValueError):
            parse_tier_weights(bad)


# ---------------------------------------------------------------------------------------------
# two levels


def _children() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["a1", "a2", "a3", "b1", "b2"],
            "parent": ["A", "A", "A", "B", "B"],
            "weight": ["10", "5.5", "3", "1", "1"],
            "min": ["", "", "1", "", ""],
            "urban": ["1", "1", "0", "0", "1"],
        }
    )


@pytest.mark.parametrize("method", ["hamilton", "webster", "jefferson"])
def test_within_sums_to_parent_and_keeps_bounds(method: str) -> None:
    result = apportion_within({"A": 17, "B": 6}, _children(), method, ties="lot", seed=0)
    assert result.groupby("parent")["quota"].sum().to_dict() == {"A": 17, "B": 6}
    assert result.set_index("region").loc["a3", "quota"] >= 1


def test_urban_rural_split() -> None:
    result = split_urban_rural({"A": 37, "B": 4}, _children(), "hamilton")
    by_kind = result.groupby(["parent", "kind"])["quota"].sum().to_dict()
    # A: urban weight 15.5, rural 3 of 18.5 -> 37 * 15.5 / 18.5 = 31 exactly, rural 6.
    assert by_kind[("A", "urban")] == 31 and by_kind[("A", "rural")] == 6
    assert by_kind[("B", "urban")] == 2 and by_kind[("B", "rural")] == 2


def test_parent_without_children_is_infeasible() -> None:
    with pytest.raises(DataValidationError, match="parent has no quota"):
        apportion_within({"A": 3}, _children(), "webster")
    with pytest.raises(InfeasibleError, match="parent C"):
        apportion_within({"A": 3, "B": 2, "C": 1}, _children(), "webster")


# ---------------------------------------------------------------------------------------------
# paradox audit


def test_audit_stops_at_capacity() -> None:
    audit = audit_house_monotonicity(["a", "b"], [2, 1], 4, "webster", steps=10, maximum=[3, 3])
    assert audit.first == 4 and audit.last == 6 and audit.house_monotone


def test_audit_over_a_range_reports_only_real_losses() -> None:
    regions, weights = ["a", "b", "c"], ["6", "6", "2"]
    audit = audit_house_monotonicity(regions, weights, 1, "hamilton", steps=60)
    assert ("c", 10, 11) in {(v.region, v.total_before, v.total_after) for v in audit.violations}
    for violation in audit.violations:  # each one checked directly
        before = seat_range(regions, weights, violation.total_before, "hamilton")
        after = seat_range(regions, weights, violation.total_after, "hamilton")
        index = regions.index(violation.region)
        assert after.high[index] < before.low[index]
    for method in ("jefferson", "webster", "adams", "dean", "huntington-hill"):
        assert audit_house_monotonicity(regions, weights, 1, method, steps=60).house_monotone
