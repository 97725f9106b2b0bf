"""Every policy rule against hand-made people described in the notice's own words."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hand_made import REFERENCE, people

from matcher.eligibility import AGE_LIMIT, NO_GROUP, evaluate_eligibility
from matcher.policy import load_policy


def welfare(*specs: dict[str, object]) -> pd.DataFrame:
    seekers, households = people(*specs)
    return evaluate_eligibility(seekers, households, load_policy("welfare"), REFERENCE)


def test_woman_of_41_registered_unemployed_is_4050() -> None:
    result = welfare({"sex": "F", "born": date(1967, 6, 1)})  # 40 by the end of 2007
    assert result["eligible"].iloc[0]
    assert result["groups"].iloc[0] == "age_4050"
    assert result["tier"].iloc[0] == 2


def test_man_of_45_is_not_4050() -> None:
    result = welfare({"sex": "M", "born": date(1963, 6, 1)})
    assert not result["eligible"].iloc[0]
    assert result["excluded_by"].iloc[0] == NO_GROUP
    assert "age_4050" not in result["groups"].iloc[0]


def test_4050_age_is_reached_by_end_2007_not_today() -> None:
    # 40 on 2008-06-01: 40 "today" (2009) but not by the end of 2007, as (四) requires.
    result = welfare({"sex": "F", "born": date(1968, 6, 1)})
    assert not result["eligible"].iloc[0]
    # 40 exactly on 2007-12-31 counts.
    assert welfare({"sex": "F", "born": date(1967, 12, 31)})["eligible"].iloc[0]


def test_zero_employment_family_member_of_25_is_eligible_tier_1() -> None:
    result = welfare(
        {"sex": "M", "born": date(1983, 5, 1), "zero_employment": 1, "registered_unemployed": 0}
    )
    assert result["eligible"].iloc[0]
    assert result["tier"].iloc[0] == 1
    assert "城镇零就业家庭成员" in result["reasons"].iloc[0]


def test_every_member_of_an_urban_zero_employment_family_is_in_the_group() -> None:
    # (三) 城镇零就业家庭成员: the family is certified urban; a member whose own hukou stayed
    # rural (a spouse who married in) is still a member of that family.
    result = welfare(
        {
            "sex": "M",
            "born": date(1983, 5, 1),
            "zero_employment": 1,
            "hukou": "rural",
            "registered_unemployed": 1,
        }
    )
    assert result["groups"].iloc[0] == "zero_employment"
    assert result["tier"].iloc[0] == 1


@pytest.mark.parametrize("born", [date(1990, 1, 1), date(1975, 1, 1), date(1960, 1, 1)])
def test_unemployed_disabled_person_of_any_age_is_eligible(born: date) -> None:
    result = welfare({"sex": "M", "born": born, "disabled": 1})
    assert result["eligible"].iloc[0], result["reasons"].iloc[0]
    assert "disabled" in result["groups"].iloc[0]


def test_disabled_person_who_is_not_unemployed_is_not_eligible() -> None:
    result = welfare(
        {"sex": "M", "born": date(1980, 1, 1), "disabled": 1, "registered_unemployed": 0}
    )
    assert not result["eligible"].iloc[0]
    assert result["excluded_by"].iloc[0] == "unemployed"


def test_age_limited_group_needs_4050_age() -> None:
    # Long-term unemployed man of 35: the group has an age limit under (四).
    young = welfare({"sex": "M", "born": date(1974, 1, 1), "unemployed_since": "2007-01-01"})
    assert not young["eligible"].iloc[0]
    assert young["excluded_by"].iloc[0] == AGE_LIMIT
    # The same at 52: eligible both as 4050 and long-term unemployed; 4050 is the higher tier.
    old = welfare({"sex": "M", "born": date(1957, 1, 1), "unemployed_since": "2007-01-01"})
    assert old["eligible"].iloc[0]
    assert old["groups"].iloc[0] == "age_4050|long_term_unemployed"
    assert old["tier"].iloc[0] == 2


def test_near_retirement_uses_statutory_age_by_sex_and_cadre() -> None:
    # Woman of 46: within 5 years of 50. Woman cadre of 46: 9 years from 55, but 4050 anyway.
    result = welfare(
        {"sex": "F", "born": date(1962, 6, 1)},
        {"sex": "F", "born": date(1962, 6, 1), "cadre": 1},
        {"sex": "M", "born": date(1953, 6, 1)},  # 55: within 5 years of 60
        {"sex": "M", "born": date(1948, 6, 1)},  # 60: past retirement, not working age
    )
    assert result["groups"].tolist()[:3] == [
        "age_4050|near_retirement",
        "age_4050",
        "age_4050|near_retirement",
    ]
    assert not result["eligible"].iloc[3]
    assert result["excluded_by"].iloc[3] == "working_age"


def test_person_in_several_groups_takes_highest_tier_and_keeps_all_reasons() -> None:
    result = welfare(
        {
            "sex": "F",
            "born": date(1965, 1, 1),
            "zero_employment": 1,
            "minimum_allowance": 1,
            "disabled": 1,
        }
    )
    assert result["tier"].iloc[0] == 1
    groups = result["groups"].iloc[0].split("|")
    assert groups == ["zero_employment", "age_4050", "minimum_allowance", "disabled"]
    for name in ("城镇零就业家庭成员", "低保户家庭成员", "处于失业状态的残疾人"):
        assert name in result["reasons"].iloc[0]


def test_no_age_limit_groups_of_section_4() -> None:
    for flag in (
        "minimum_allowance",
        "near_minimum",
        "military_spouse",
        "martyr_family",
        "single_parent",
    ):
        result = welfare({"sex": "M", "born": date(1985, 1, 1), flag: 1})
        assert result["eligible"].iloc[0], flag
    for flag in ("demobilised_soldier", "model_worker"):
        result = welfare({"sex": "M", "born": date(1985, 1, 1), flag: 1})
        assert not result["eligible"].iloc[0], flag
        assert result["excluded_by"].iloc[0] == AGE_LIMIT


def test_family_with_several_members_all_get_the_family_status() -> None:
    seekers, households = people(
        {"sex": "M", "born": date(1960, 1, 1), "zero_employment": 1},
        {"sex": "F", "born": date(1986, 1, 1)},
    )
    seekers["household_id"] = "H0000"  # both members of the zero-employment household
    result = evaluate_eligibility(seekers, households, load_policy("welfare"), REFERENCE)
    assert result["tier"].tolist() == [1, 1]


def test_grassroots_priority_for_poor_unemployed_graduates() -> None:
    grad = {"sex": "F", "born": date(1986, 1, 1), "education": "bachelor", "graduation_year": 2008}
    seekers, households = people(
        {**grad, "minimum_allowance": 1},
        {**grad},
        {**grad, "registered_unemployed": 0},
        {**grad, "education": "senior_secondary"},
    )
    result = evaluate_eligibility(seekers, households, load_policy("grassroots"), REFERENCE)
    assert result["tier"].tolist()[:3] == [1, 2, 3]
    assert not result["eligible"].iloc[3]
    assert result["excluded_by"].iloc[3] == "college_graduate"


def test_internship_is_for_fresh_graduates() -> None:
    # (十七) 应届: this year's graduates; (三十九) adds registered-unemployed poor-family ones.
    grad = {"sex": "M", "born": date(1986, 1, 1), "education": "junior_college"}
    seekers, households = people(
        {**grad, "graduation_year": 2009, "near_minimum": 1},
        {**grad, "graduation_year": 2009},
        {**grad, "graduation_year": 2008},
        {**grad, "graduation_year": 2005, "minimum_allowance": 1},
    )
    result = evaluate_eligibility(seekers, households, load_policy("internship"), REFERENCE)
    assert result["tier"].iloc[0] == 1 and result["tier"].iloc[1] == 2
    assert not result["eligible"].iloc[2]
    assert result["excluded_by"].iloc[2] == "fresh_or_poor_unemployed"
    assert result["eligible"].iloc[3] and result["groups"].iloc[3] == "poor_unemployed_graduate"


def test_training_kinds() -> None:
    seekers, households = people(
        {
            "sex": "M",
            "born": date(1975, 1, 1),
            "returning_migrant": 1,
            "hukou": "rural",
            "registered_unemployed": 0,
        },
        {
            "sex": "F",
            "born": date(1991, 1, 1),
            "hukou": "rural",
            "education": "junior_secondary",
            "graduation_year": 2008,
            "registered_unemployed": 0,
        },
    )
    result = evaluate_eligibility(seekers, households, load_policy("training"), REFERENCE)
    assert result["kinds"].iloc[0] == "universal|industry|syb|remote"
    assert result["kinds"].iloc[1] == "universal|industry|two_after"
    assert result["tier"].tolist() == [2, 2]


def test_row_order_does_not_change_results() -> None:
    specs = [
        {"sex": "F", "born": date(1967, 6, 1)},
        {"sex": "M", "born": date(1963, 6, 1)},
        {"sex": "M", "born": date(1983, 5, 1), "zero_employment": 1},
    ]
    seekers, households = people(*specs)
    forward = evaluate_eligibility(seekers, households, load_policy("welfare"), REFERENCE)
    backward = evaluate_eligibility(
        seekers.iloc[::-1], households.iloc[::-1], load_policy("welfare"), REFERENCE
    )
    pd.testing.assert_frame_equal(forward, backward.iloc[::-1])
