"""Priority-group shares, overlaps, city shares, households and noisy titles."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from matcher import reference
from matcher.generator import GROUP_TARGETS, GeneratedProvince, generate_province, get_scale
from matcher.generator.world import load_world


def measured_groups(province: GeneratedProvince) -> pd.DataFrame:
    """Each seeker's welfare groups, computed from the public tables by the notice's rules
    (independently of how the generator built them)."""
    seekers = province.tables["seekers"].set_index("seeker_id")
    households = province.tables["households"].set_index("household_id")
    household = households.loc[seekers["household_id"]]
    ref = pd.Timestamp(province.reference_date)
    born = seekers["birth_date"]
    female, male = seekers["sex"] == "F", seekers["sex"] == "M"
    registered = seekers["registered_unemployed"]
    age = (ref - born).dt.days / 365.25
    retirement = np.where(male, 60, np.where(seekers["cadre"], 55, 50))
    groups = pd.DataFrame(index=seekers.index)
    groups["zero_employment"] = household["zero_employment"].to_numpy() & (
        seekers["hukou"] == "urban"
    )
    groups["age_4050"] = registered & (
        (female & (born <= pd.Timestamp("1967-12-31")))
        | (male & (born <= pd.Timestamp("1957-12-31")))
    )
    groups["near_retirement"] = registered & (age >= retirement - 5) & (age < retirement)
    groups["minimum_allowance"] = household["minimum_allowance"].to_numpy()
    groups["near_minimum"] = household["near_minimum"].to_numpy()
    groups["long_term_unemployed"] = seekers["unemployed_since"].notna() & (
        (ref - seekers["unemployed_since"]).dt.days >= 365
    )
    for flag in (
        "disabled",
        "demobilised_soldier",
        "model_worker",
        "military_spouse",
        "martyr_family",
        "single_parent",
    ):
        groups[flag] = seekers[flag]
    return groups


@pytest.fixture(scope="module")
def hard_groups(many_seekers: GeneratedProvince) -> pd.DataFrame:
    groups = measured_groups(many_seekers)
    return groups.loc[many_seekers.kinds[many_seekers.kinds == "hard"].index]


def test_group_shares_match_targets(hard_groups: pd.DataFrame) -> None:
    n = len(hard_groups)
    assert set(GROUP_TARGETS) == set(hard_groups.columns)
    for group, target in GROUP_TARGETS.items():
        share = hard_groups[group].mean()
        tolerance = 4 * np.sqrt(target * (1 - target) / n) + 0.005
        assert abs(share - target) <= tolerance, f"{group}: {share:.3f} vs {target:.3f}"


def test_groups_overlap_and_some_seekers_belong_to_none(hard_groups: pd.DataFrame) -> None:
    count = hard_groups.sum(axis=1)
    assert (count >= 2).mean() > 0.15
    assert (hard_groups["age_4050"] & hard_groups["minimum_allowance"]).sum() > 50
    assert (hard_groups["disabled"] & hard_groups["long_term_unemployed"]).sum() > 10
    assert 0.08 < (count == 0).mean() < 0.35


def test_groups_listed_in_reference_data(hard_groups: pd.DataFrame) -> None:
    welfare_groups = pd.read_csv(reference.data_dir() / "priority_groups.csv", dtype=str)
    welfare_groups = welfare_groups[welfare_groups["program"] == "welfare"]
    assert set(hard_groups.columns) == set(welfare_groups["group"])


def test_no_group_example_exists(
    many_seekers: GeneratedProvince, hard_groups: pd.DataFrame
) -> None:
    """A registered unemployed man aged 25-35, unemployed under a year, in no group at all."""
    seekers = many_seekers.tables["seekers"].set_index("seeker_id").loc[hard_groups.index]
    ref = pd.Timestamp(many_seekers.reference_date)
    age = (ref - seekers["birth_date"]).dt.days / 365.25
    plain = (
        (hard_groups.sum(axis=1) == 0)
        & (seekers["sex"] == "M")
        & age.between(25, 35)
        & seekers["registered_unemployed"]
    )
    assert plain.sum() > 10


def test_seekers_and_places_follow_city_population(small: GeneratedProvince) -> None:
    cities = reference.cities().set_index("code")
    population_share = cities["population_millions"] / cities["population_millions"].sum()
    seekers = small.tables["seekers"]
    seeker_share = seekers["city"].value_counts(normalize=True).reindex(cities.index)
    assert (seeker_share - population_share).abs().max() < 0.002
    posts = small.tables["posts"]
    welfare = posts[(posts["program"] == "welfare") & (posts["status"] == "open")]
    place_share = welfare.groupby("city")["capacity"].sum().reindex(cities.index) / 300
    assert (place_share - population_share).abs().max() < 0.01


def test_program_places_match_the_scale(small: GeneratedProvince) -> None:
    scale = get_scale("small")
    posts = small.tables["posts"]
    open_posts = posts[posts["status"] == "open"]
    places = open_posts.groupby("program")["capacity"].sum()
    assert places["welfare"] == scale.welfare_places
    assert places["grassroots"] == scale.grassroots_places
    assert places["internship"] == scale.internship_places
    assert places["vacancy"] == scale.vacancy_places
    assert places["public_service"] == scale.public_service_places
    welfare = open_posts[open_posts["program"] == "welfare"]
    assert (welfare["area"] == "urban_community").mean() > 0.6
    assert welfare["wage"].between(600, 1000).all()
    grassroots = open_posts[open_posts["program"] == "grassroots"]
    assert (grassroots["wage"] >= 1000).all()
    assert set(grassroots["area"]) == {"urban_community", "rural_township"}
    assistants = grassroots[grassroots["post_type"] == "township_labour_assistant"]
    assert (assistants["capacity"] == 2).all() and len(assistants) == scale.townships
    assert grassroots["post_type"].str.startswith("township_teacher").any()
    vacancies = open_posts[open_posts["program"] == "vacancy"]
    assert vacancies["wage"].between(800, 3000).all()
    history = posts[posts["status"] != "open"]
    assert set(history["status"]) == {"filled", "closed"}
    assert (history["posted_date"] < pd.Timestamp("2009-01-01")).all()
    sessions = small.tables["training_sessions"]
    syb = sessions[sessions["kind"] == "syb"]
    assert len(syb) > 0 and (syb["hours"] == 200).all() and (syb["subsidy_per_hour"] == 10).all()


def test_city_scale_is_shenyang_alone() -> None:
    from dataclasses import replace

    tiny_city = replace(
        get_scale("city"),
        hard_to_employ=450,
        graduates=150,
        welfare_places=50,
        welfare_posts=5,
        grassroots_places=40,
        townships=5,
        communities=5,
        internship_places=20,
        internship_enterprises=2,
        public_service_places=6,
        vacancy_places=80,
        enterprises=10,
        sessions=10,
        history_records=300,
        history_posts=40,
    )
    province = generate_province(tiny_city, seed=5)
    for name, frame in province.tables.items():
        if "city" in frame.columns:
            assert set(frame["city"]) == {"2101"}, name


def test_households_share_members_and_flags(small: GeneratedProvince) -> None:
    seekers = small.tables["seekers"]
    households = small.tables["households"].set_index("household_id")
    per_household = seekers.groupby("household_id").size()
    assert (per_household >= 2).sum() > 100
    assert (households.loc[per_household.index, "members"] >= per_household).all()
    kinds = small.kinds.reindex(seekers["seeker_id"]).to_numpy()
    mixed = pd.Series(kinds, index=seekers.index).groupby(seekers["household_id"]).nunique()
    assert (mixed == 2).sum() > 10  # a hard-to-employ parent and a graduate child
    zero = households[households["zero_employment"]]
    assert len(zero) > 0
    rural_zero = seekers[seekers["household_id"].isin(zero.index) & (seekers["hukou"] == "rural")]
    assert rural_zero.empty
    waited = (pd.Timestamp(date(2009, 3, 2)) - zero["zero_employment_since"]).dt.days
    assert waited.between(0, 60).all() and (waited > 20).mean() > 0.4
    assert not (households["minimum_allowance"] & households["near_minimum"]).any()


def _catalogue_titles() -> set[str]:
    world = load_world()
    return set(world.titles["title"]) | set(world.occupations["name"])


def test_titles_are_noisy(small: GeneratedProvince) -> None:
    known = _catalogue_titles()
    desired = small.tables["seekers"]["desired_titles"].dropna().str.split("|").explode()
    exact = desired.isin(known)
    assert 0.15 < 1 - exact.mean() < 0.6
    assert desired.str.contains(r"[\uff01-\uff5e\u3000]").any()  # full-width characters
    assert desired.str.contains(" ").any()
    posts = small.tables["posts"]
    vacancy_titles = posts.loc[posts["program"] == "vacancy", "title"]
    assert 0.2 < 1 - vacancy_titles.isin(known).mean() < 0.7
    assert vacancy_titles.str.contains("【急聘】|（双休）|诚聘|急招").any()
    skills = small.tables["seekers"]["skills"].dropna().str.split("|").explode()
    canonical = set(reference.skills()["skill"])
    assert 0.1 < 1 - skills.isin(canonical).mean() < 0.6  # synonyms in use
