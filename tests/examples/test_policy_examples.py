"""Hand-made people for each rule of issue 14, each with the clause of the notice it tests.

Every case is a person built to sit on a rule's edge; the verdict is the one the Chinese text
gives (``../shared/seed/liaoning-2009-employment-notice.zh.txt``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hand_made import REFERENCE, people
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.allocation import allocate
from matcher.eligibility import evaluate_eligibility
from matcher.io.load import parse_table
from matcher.policy import load_policy
from matcher.policy.post_rules import post_rule_problems
from matcher.policy.rules import policies_dir
from matcher.programs.payments import allowance_payments
from matcher.programs.seekers import allocation_seekers, with_policy_tiers
from matcher.schemas import TABLES

WOMAN_41 = {"sex": "F", "born": date(1967, 6, 1)}  # 4050 by the end of 2007 (四)
MAN_30 = {"sex": "M", "born": date(1979, 3, 1)}
GRADUATE = {
    "sex": "M",
    "born": date(1986, 1, 1),
    "education": "bachelor",
    "graduation_year": 2009,
}


def judge(program: str, *specs: dict[str, object], preset: str | None = None) -> pd.DataFrame:
    seekers, households = people(*specs)
    policy = load_policy(program, preset=preset)
    return evaluate_eligibility(seekers, households, policy, REFERENCE)


# ----------------------------------------------------------------- 1. welfare priority (三)(三十九)


def test_the_notice_orders_only_zero_employment_families_first() -> None:
    # (三十九) 重点做好城镇零就业家庭成员 … 援助: tier 1. (三) lists the other groups with no
    # order: a 4050 woman, a 低保 member, a disabled person and a single parent share tier 2.
    result = judge(
        "welfare",
        {**MAN_30, "zero_employment": 1, "registered_unemployed": 0},
        WOMAN_41,
        {**MAN_30, "minimum_allowance": 1},
        {**MAN_30, "disabled": 1},
        {**MAN_30, "single_parent": 1},
    )
    assert result["tier"].tolist() == [1, 2, 2, 2, 2]


def test_need_decides_within_a_tier_more_groups_first() -> None:
    # Someone in three groups (4050, disabled, 低保 household — a 困难家庭 too) needs more than
    # someone in one; the need index says so and the priority follows it.
    result = judge(
        "welfare",
        WOMAN_41,
        {**WOMAN_41, "disabled": 1, "minimum_allowance": 1},
    )
    assert result["need"].tolist() == [1, 4]  # 1 group; 3 groups + hardship household
    assert result["priority"].iloc[1] < result["priority"].iloc[0]
    assert "需要程度 need 4" in result["reasons"].iloc[1]


def test_need_places_before_score_and_the_listing_order_preset_does_not() -> None:
    # One post. A 4050 woman scores 0.9; a disabled 低保 man of 30 (need 3) scores 0.2.
    # Default (the notice): same tier, higher need first → the man. Listing-order preset
    # (4050 is tier 2, 低保 tier 4): the woman, whatever the need.
    specs = (WOMAN_41, {**MAN_30, "disabled": 1, "minimum_allowance": 1})
    seekers, households = people(*specs)
    posts = pd.DataFrame({"post_id": ["P1"], "capacity": [1], "city": ["2101"]})
    pairs = pd.DataFrame({"seeker_id": ["S0000", "S0001"], "post_id": "P1", "score": [0.9, 0.2]})
    placed = {}
    for preset in (None, "listing_order"):
        policy = load_policy("welfare", preset=preset)
        eligibility = evaluate_eligibility(seekers, households, policy, REFERENCE)
        table = allocation_seekers(seekers, households, eligibility)
        result = allocate(table, posts, pairs, mechanism="lexicographic")
        shown = with_policy_tiers(result.assignments, eligibility)
        placed[preset] = (shown["seeker_id"].item(), int(shown["tier"].item()))
    assert placed == {None: ("S0001", 2), "listing_order": ("S0000", 2)}


def test_need_orders_tier_2_only_and_is_shown_in_tier_1() -> None:
    # The eleven groups (三) lists without order share tier 2, ordered by need; tier 1 is
    # (三十九)'s promise to every zero-employment family, so need is shown but orders nothing.
    result = judge(
        "welfare",
        {**MAN_30, "zero_employment": 1},
        {**MAN_30, "zero_employment": 1, "disabled": 1},
    )
    assert result["need"].tolist() == [2, 3]
    assert result["priority"].iloc[0] == result["priority"].iloc[1]


def test_members_of_a_zero_employment_family_share_its_priority(tmp_path: Path) -> None:
    # Where a policy lets need order tier 1 too (here the welfare file without `tiers = [2]`),
    # a family's members are placed at its neediest member's priority (确保一人就业 is a
    # promise to the family), and the score picks who takes the post.
    text = (policies_dir() / "welfare.toml").read_text(encoding="utf-8")
    path = tmp_path / "welfare.toml"
    path.write_text(text.replace("tiers = [2]\n", ""), encoding="utf-8")
    seekers, households = people(
        {**MAN_30, "zero_employment": 1},
        {**WOMAN_41, "zero_employment": 1, "disabled": 1},
    )
    households = households.iloc[[0, 0]].reset_index(drop=True)
    seekers["household_id"] = households["household_id"].iloc[0]
    eligibility = evaluate_eligibility(seekers, households, load_policy(path=path), REFERENCE)
    assert eligibility["priority"].iloc[0] > eligibility["priority"].iloc[1]
    table = allocation_seekers(seekers, households, eligibility)
    assert table["tier"].tolist() == [eligibility["priority"].iloc[1]] * 2


WELFARE_FLAGS = (
    "disabled",
    "demobilised_soldier",
    "model_worker",
    "military_spouse",
    "martyr_family",
    "single_parent",
    "minimum_allowance",
    "near_minimum",
    "zero_employment",
)


@settings(max_examples=40, deadline=None)
@given(
    base=st.sets(st.sampled_from(WELFARE_FLAGS), max_size=3),
    added=st.sampled_from(WELFARE_FLAGS),
    woman_41=st.booleans(),
    unemployed=st.booleans(),
    preset=st.sampled_from([None, "listing_order"]),
)
def test_adding_a_group_never_lowers_priority(
    base: set[str], added: str, woman_41: bool, unemployed: bool, preset: str | None
) -> None:
    person: dict[str, object] = {**(WOMAN_41 if woman_41 else MAN_30)}
    person["registered_unemployed"] = int(unemployed)
    person.update(dict.fromkeys(base, 1))
    result = judge("welfare", person, {**person, added: 1}, preset=preset)
    before, after = result.iloc[0], result.iloc[1]
    if before["eligible"]:
        assert after["eligible"]
        assert after["priority"] <= before["priority"]
        assert after["tier"] <= before["tier"]


# ------------------------------------- 7. zero-employment family members (三) 城镇零就业家庭成员


def test_rural_hukou_member_of_an_urban_zero_employment_family() -> None:
    result = judge("welfare", {**MAN_30, "zero_employment": 1, "hukou": "rural"})
    assert result["groups"].item() == "zero_employment" and result["tier"].item() == 1


# ------------------------------------------------------------- 2. internships (十七)(三十九)


def test_internships_are_for_this_years_graduates() -> None:
    # (十七) 引导万名应届高校毕业生到基地见习: graduating in the programme year (2009).
    result = judge(
        "internship",
        GRADUATE,
        {**GRADUATE, "graduation_year": 2008},
        {**GRADUATE, "graduation_year": 2008, "registered_unemployed": 1, "near_minimum": 1},
    )
    assert result["eligible"].tolist() == [True, False, True]
    assert result["groups"].iloc[0] == "fresh_graduate"
    # (三十九) 对城乡困难家庭高校毕业生 … 提供见习补贴: its own route, named in the reasons.
    assert result["groups"].iloc[2] == "poor_unemployed_graduate"
    assert "登记失业的困难家庭高校毕业生" in result["reasons"].iloc[2]
    assert result["tier"].iloc[2] == 1 and result["tier"].iloc[0] == 2


# ---------------------------------------------------------------------- 3. SYB (十八)(二十四)


def test_syb_is_open_to_anyone_who_wants_to_start_a_business() -> None:
    # (十八) 创业培训主要面向高校毕业生、下岗失业人员、返乡农民工，同时兼顾社会其他有志于创业人员.
    employed = {**MAN_30, "registered_unemployed": 0}
    result = judge(
        "training",
        {**employed, "wants_business": 1},
        employed,
        {**MAN_30, "registered_unemployed": 1},
    )
    assert ["syb" in kinds.split("|") for kinds in result["kinds"]] == [True, False, True]
    # The four named groups first: the unemployed worker ranks above the other aspirant.
    assert result["tier"].iloc[2] < result["tier"].iloc[0]


# ------------------------------------------------------------ 4. hardship families (二十七)


@pytest.mark.parametrize(
    ("household", "poor"),
    [
        ({"disabled_member": 1, "per_capita_income": 600}, True),  # below Shenyang's 700
        ({"disabled_member": 1, "per_capita_income": 700}, False),  # at the wage: not below
        ({"military_martyr": 1, "per_capita_income": 500}, True),
        ({"military_martyr": 1}, False),  # income not given: not shown to be low
        ({"single_parent_family": 1}, True),
        ({"near_minimum": 1}, True),
        ({}, False),
    ],
)
def test_poor_family_as_section_27_lists_it(household: dict[str, object], poor: bool) -> None:
    # A registered-unemployed graduate from such a family is grassroots tier 1 (十)(三十九).
    unemployed_graduate = {**GRADUATE, "graduation_year": 2008, "registered_unemployed": 1}
    result = judge("grassroots", {**unemployed_graduate, **household})
    assert bool(result["tier"].item() == 1) is poor
    assert bool(result["groups"].item().split("|")[0] == "graduate_poor_unemployed") is poor


# ------------------------------------------------------------ 5. money and duration (十)(十七)


def _posts(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {
        "employer_id": "E1",
        "title": "社区劳动保障协理员",
        "post_type": "",
        "occupation_code": "",
        "city": "2101",
        "district": "210102",
        "area": "urban_community",
        "capacity": "1",
        "min_education": "junior_college",
        "min_age": "",
        "max_age": "",
        "wanted_skills": "",
        "posted_date": "2009-02-01",
        "status": "open",
        "duration_months": "",
    }
    raw = pd.DataFrame(
        [
            {**base, "post_id": f"P{i}", **{k: str(v) for k, v in r.items()}}
            for i, r in enumerate(rows)
        ]
    )
    frame, problems = parse_table(raw, TABLES["posts"], "posts.csv", REFERENCE)
    assert not problems, problems
    return frame


def test_money_and_duration_rules_name_row_column_value_and_clause() -> None:
    posts = _posts(
        [
            {"program": "grassroots", "wage": 999},  # (十) 不低于1000元
            {"program": "grassroots", "wage": 1000},
            {"program": "internship", "wage": 419, "duration_months": 6},  # 60 % of 700 = 420
            {"program": "internship", "wage": 420, "duration_months": 7},  # (十七) ≤ 6 months
            {"program": "internship", "wage": 420, "duration_months": 6},
            {"program": "vacancy", "wage": 500},  # no rule for ordinary vacancies
        ]
    )
    problems = post_rule_problems(posts, "posts.csv", first_row=2)
    found = {(p.row, p.column, p.value) for p in problems}
    assert found == {(2, "wage", "999"), (4, "wage", "419"), (5, "duration_months", "7")}
    by_row = {p.row: p.rule for p in problems}
    assert "(十) 每人每月享受不低于1000元" in by_row[2]
    assert "at least 420" in by_row[4] and "最低工资标准的60％" in by_row[4]
    assert "见习期限最长不超过6个月" in by_row[5]


def test_the_province_pays_two_thirds_of_an_internship_allowance() -> None:
    # (十七) 见习补贴 … 由省财政承担2/3，其余由见习单位承担.
    posts = _posts([{"program": "internship", "wage": 600, "duration_months": 6}])
    placed = pd.DataFrame({"seeker_id": ["S1"], "post_id": ["P0"]})
    row = allowance_payments(placed, posts, load_policy("internship")).iloc[0]
    assert row["province_share"] == "2/3"
    assert (row["province_monthly"], row["unit_monthly"]) == (400.0, 200.0)
    assert (row["province_total"], row["unit_total"]) == (2400.0, 1200.0)
