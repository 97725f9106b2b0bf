"""Hand-checked training cases from the notice's figures (二十四): SYB is 200 class hours at
10 yuan = 2,000 yuan per trainee, 1,000 paid before the class and 1,000 after passing; distant or
poor returning migrants also get travel and lunch allowances (here 34 class days × 10 + 10)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

from matcher.errors import InfeasibleError
from matcher.training.api import TrainingAllocation, allocate_training
from matcher.training.solver import TrainingFloor

REFERENCE = date(2009, 3, 2)


def _seekers(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {
        "sex": "M",
        "birth_date": pd.Timestamp("1980-05-01"),
        "city": "2101",
        "district": "210102",
        "hukou": "urban",
        "education": "senior_secondary",
        "major": pd.NA,
        "skills": "",
        "desired_titles": "",
        "reservation_wage": pd.NA,
        "unemployed_since": pd.NaT,
        "disabled": False,
        "returning_migrant": False,
    }
    return pd.DataFrame([{**base, **row} for row in rows])


def _eligibility(seekers: pd.DataFrame, kinds: str, groups: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "seeker_id": seekers["seeker_id"],
            "eligible": True,
            "kinds": kinds,
            "groups": groups,
            "excluded_by": "",
        }
    )


def _sessions(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {
        "base_id": "B2101000S",
        "specialty": "syb",
        "kind": "syb",
        "city": "2101",
        "district": "210102",
        "capacity": 2,
        "hours": 200,
        "subsidy_per_hour": 10.0,
        "start_date": pd.Timestamp("2009-03-16"),
    }
    return pd.DataFrame([{**base, **row} for row in rows])


NO_POSTS = pd.DataFrame(
    {
        "program": pd.Series([], dtype=str),
        "status": pd.Series([], dtype=str),
        "city": pd.Series([], dtype=str),
        "wanted_skills": pd.Series([], dtype=str),
        "occupation_code": pd.Series([], dtype=str),
        "capacity": pd.Series([], dtype="int64"),
    }
)


def _allocate(
    seekers: pd.DataFrame,
    eligibility: pd.DataFrame,
    sessions: pd.DataFrame,
    budget: int,
    **options: Any,
) -> TrainingAllocation:
    return allocate_training(
        seekers,
        pd.DataFrame(),
        sessions,
        NO_POSTS,
        city="2101",
        budget_yuan=budget,
        reference_date=REFERENCE,
        eligibility=eligibility,
        **options,
    )


def _reason(result: TrainingAllocation, seeker_id: str) -> str:
    reasons = dict(zip(result.unplaced["seeker_id"], result.unplaced["reasons"], strict=True))
    return str(reasons[seeker_id])


def test_two_syb_trainees_cost_4000_paid_2000_before_and_2000_after() -> None:
    seekers = _seekers(
        [
            {"seeker_id": "A", "desired_titles": "创业", "skills": "市场营销"},
            {"seeker_id": "B"},
        ]
    )
    result = _allocate(
        seekers, _eligibility(seekers, "syb", ["", ""]), _sessions([{"session_id": "T1"}]), 4000
    )
    assert result.placements["subsidy_yuan"].tolist() == [2000, 2000]
    payments = result.payments.set_index("item")
    assert payments.at["advance", "amount_yuan"] == 2000
    assert payments.at["advance", "headcount"] == 2
    assert payments.at["advance", "due_date"] == "2009-03-15"  # the day before the class
    assert payments.at["balance", "amount_yuan"] == 2000
    # 200 h at 6 h a day = 34 class days, 5 a week → 48 calendar days: 16 Mar to 2 May;
    # the balance follows the 30 days of examination: 1 June.
    assert payments.at["balance", "due_date"] == "2009-06-01"
    assert result.summary["remaining_yuan"] == 0


def test_one_yuan_short_of_two_places_buys_one_and_keeps_1999() -> None:
    seekers = _seekers(
        [
            {"seeker_id": "A", "desired_titles": "创业指导", "skills": "创业计划|市场营销"},
            {"seeker_id": "B"},
        ]
    )
    result = _allocate(
        seekers, _eligibility(seekers, "syb", ["", ""]), _sessions([{"session_id": "T1"}]), 3999
    )
    assert result.placements["seeker_id"].tolist() == ["A"]  # the more interested one
    assert result.summary["remaining_yuan"] == 1999
    assert _reason(result, "B").startswith("budget")


def test_poor_returning_migrant_gets_travel_and_lunch_allowances() -> None:
    seekers = _seekers(
        [
            {"seeker_id": "M", "returning_migrant": True, "hukou": "rural"},
            {"seeker_id": "U"},
        ]
    )
    eligibility = _eligibility(seekers, "syb", ["returning_migrant|poor_family_worker", ""])
    result = _allocate(seekers, eligibility, _sessions([{"session_id": "T1"}]), 10_000)
    placed = result.placements.set_index("seeker_id")
    assert placed.at["M", "travel_allowance_yuan"] == 340
    assert placed.at["M", "lunch_allowance_yuan"] == 340
    assert placed.at["U", "travel_allowance_yuan"] == 0
    assert result.summary["committed_yuan"] == 2000 + 2680
    items = result.payments.groupby("item")["amount_yuan"].sum().to_dict()
    assert items == {
        "advance": 2000,
        "balance": 2000,
        "travel_allowance": 340,
        "lunch_allowance": 340,
    }


def test_remote_station_serves_only_its_catchment_and_floors_are_explained() -> None:
    seekers = _seekers(
        [
            {"seeker_id": "NEAR", "returning_migrant": True, "hukou": "rural"},
            {"seeker_id": "FAR", "returning_migrant": True, "hukou": "rural", "district": "210181"},
        ]
    )
    eligibility = _eligibility(seekers, "remote", ["returning_migrant", "returning_migrant"])
    sessions = _sessions(
        [
            {
                "session_id": "R1",
                "specialty": "remote_greenhouse",
                "kind": "remote",
                "hours": 60,
                "subsidy_per_hour": 3.0,
                "base_id": "B2101001",
            }
        ]
    )
    result = _allocate(seekers, eligibility, sessions, 10_000)
    assert result.placements["seeker_id"].tolist() == ["NEAR"]
    assert result.placements["subsidy_yuan"].tolist() == [180]
    assert "township" in _reason(result, "FAR")
    with pytest.raises(InfeasibleError) as raised:
        _allocate(
            seekers,
            eligibility,
            sessions,
            10_000,
            floors=[TrainingFloor("returning_migrant", "remote", 2)],
        )
    (shortfall,) = raised.value.shortfalls
    assert (shortfall.required, shortfall.achievable) == (2, 1)


def test_a_class_already_over_takes_nobody_and_nothing_is_due_in_the_past() -> None:
    seekers = _seekers([{"seeker_id": "A"}, {"seeker_id": "B"}])
    sessions = _sessions(
        [
            # 200 h from 2 Jan ended on 18 Feb, before the reference date 2 Mar.
            {"session_id": "OVER", "start_date": pd.Timestamp("2009-01-02")},
            # Started on 23 Feb, still running: its advance is due today, not in the past.
            {"session_id": "RUNNING", "start_date": pd.Timestamp("2009-02-23")},
        ]
    )
    result = _allocate(seekers, _eligibility(seekers, "syb", ["", ""]), sessions, 10_000)
    assert set(result.placements["session_id"]) == {"RUNNING"}
    assert (result.payments["due_date"] >= REFERENCE.isoformat()).all()
    advance = result.payments[result.payments["item"] == "advance"]
    assert advance["due_date"].tolist() == ["2009-03-02"]
