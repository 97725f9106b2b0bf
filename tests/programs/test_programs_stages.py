"""The programme workflow's stages, each on its own: one definition of an open post, one of
need and quotas (with the presets as data), candidate pairs found by id, reasons for the pairs
shown equal to reasons made for every pair, and the guarantee's notes."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import reference
from matcher.errors import MatcherError
from matcher.generator import generate_province
from matcher.generator.output import write_province
from matcher.io.load import Dataset, load_dataset
from matcher.programs import (
    allocation_posts,
    city_need,
    city_quotas,
    need_from_counts,
    open_posts,
    pair_reasons,
    place,
    program_candidates,
    program_eligibility,
    quota_caps,
)
from matcher.programs.quotas import quota_preset, quota_presets
from matcher.scoring.candidates import Candidates
from matcher.scoring.reasons import explain


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    directory: Path = tmp_path_factory.mktemp("programs") / "d"
    write_province(generate_province("small", seed=5), directory)
    return load_dataset(directory)


@pytest.fixture(scope="module")
def welfare(dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame, Candidates]:
    eligibility = program_eligibility(
        dataset["seekers"], dataset["households"], "welfare", dataset.reference_date
    )
    posts = open_posts(dataset["posts"], "welfare")
    candidates = program_candidates(
        dataset["seekers"], posts, dataset.reference_date, eligibility=eligibility, k=8
    )
    return eligibility, posts, candidates


def _posts(**columns: list[object]) -> pd.DataFrame:
    base: dict[str, list[object]] = {
        "post_id": ["p1", "p2", "p3", "p4", "p5"],
        "program": ["welfare", "welfare", "welfare", "grassroots", "welfare"],
        "status": ["open", "closed", "open", "open", "filled"],
        "capacity": [2, 3, 0, 1, 4],
        "city": ["2101"] * 5,
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_open_means_programme_status_open_and_places_left() -> None:
    assert open_posts(_posts(), "welfare")["post_id"].tolist() == ["p1"]
    assert open_posts(_posts(), "grassroots")["post_id"].tolist() == ["p4"]


def test_places_left_come_from_remaining_when_a_run_counted_offers() -> None:
    posts = _posts(remaining=[0, 3, 5, 1, 4])
    # p1 has capacity but its places are held by offers; p3 has remaining places
    assert open_posts(posts, "welfare")["post_id"].tolist() == ["p3"]
    assert allocation_posts(open_posts(posts, "welfare"))["capacity"].tolist() == [5]


def test_need_is_eligible_people_of_the_fourteen_cities(dataset: Dataset, welfare) -> None:  # type: ignore[no-untyped-def]
    eligibility = welfare[0]
    need = city_need(eligibility)
    assert need["region"].tolist() == reference.city_codes()
    counts = eligibility.loc[eligibility["eligible"]].groupby("city").size()
    assert need.set_index("region")["eligible"].to_dict() == {
        code: int(counts.get(code, 0)) for code in reference.city_codes()
    }
    # the same need read back as counts (the API's stored runs) gives the same quotas
    again = need_from_counts(counts.to_dict())
    total = 997
    first = city_quotas(need, total)
    second = city_quotas(again, total)
    assert first["quota"].tolist() == second["quota"].tolist()
    assert int(first["quota"].sum()) == total


def test_liaoxibei_preset_raises_those_cities_and_comes_from_data() -> None:
    preset = quota_preset("liaoxibei")
    cities = reference.cities()
    assert set(preset.topup_cities()) == set(cities.loc[cities["liaoxibei"], "code"])
    need = need_from_counts({code: 100 for code in reference.city_codes()})
    plain = city_quotas(need, 1400).set_index("region")["quota"]
    raised = city_quotas(need, 1400, preset="liaoxibei").set_index("region")["quota"]
    for code in reference.city_codes():
        if code in preset.topup_cities():
            assert raised[code] > plain[code]
        else:
            assert raised[code] <= plain[code]


def test_bounds_preset_holds_its_floor_and_share() -> None:
    preset = quota_preset("bounds")
    assert preset.min_each is not None and preset.max_share is not None
    counts = {code: 1 for code in reference.city_codes()}
    counts["2101"] = 100_000
    total = 10_000
    quotas = city_quotas(need_from_counts(counts), total, preset="bounds")
    assert int(quotas["quota"].min()) >= preset.min_each
    assert int(quotas["quota"].max()) <= int(preset.max_share * total / 100)
    assert int(quotas["quota"].sum()) == total


def test_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(MatcherError, match="known: bounds, liaoxibei"):
        quota_preset("nonesuch")
    assert all(isinstance(p.topup_percent, Fraction | None) for p in quota_presets().values())


def test_caps_are_the_quotas() -> None:
    quotas = city_quotas(need_from_counts({"2101": 3, "2102": 1}), 8)
    caps = quota_caps(quotas)
    assert caps["2101"] == 6 and caps["2102"] == 2 and sum(caps.values()) == 8


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_positions_find_every_pair_by_id_and_nothing_else(data, welfare) -> None:  # type: ignore[no-untyped-def]
    candidates: Candidates = welfare[2]
    scored = candidates.scored()
    rows = data.draw(st.lists(st.integers(0, len(scored) - 1), max_size=30))
    found = candidates.positions(
        scored["seeker_id"].to_numpy()[rows], scored["post_id"].to_numpy()[rows]
    )
    assert found.tolist() == rows
    # a seeker's id with a post that is not among its candidates, and unknown ids: -1
    seeker = scored["seeker_id"].iloc[0]
    theirs = set(scored.loc[scored["seeker_id"] == seeker, "post_id"])
    other = next(p for p in candidates.posts.post_id if p not in theirs)
    assert candidates.positions(
        [seeker, "nobody"], [other, scored["post_id"].iloc[0]]
    ).tolist() == [
        -1,
        -1,
    ]


def test_refused_pairs_are_not_proposed_again(dataset: Dataset, welfare) -> None:  # type: ignore[no-untyped-def]
    eligibility, posts, candidates = welfare
    scored = candidates.scored()
    refused = scored.iloc[[0, 5, 9]][["seeker_id", "post_id"]]
    again = program_candidates(
        dataset["seekers"],
        posts,
        dataset.reference_date,
        eligibility=eligibility,
        k=8,
        refused=refused,
    )
    kept = again.scored()
    assert len(kept) == len(scored) - 3
    keys = set(zip(kept["seeker_id"], kept["post_id"], strict=True))
    assert not keys & set(zip(refused["seeker_id"], refused["post_id"], strict=True))


def test_reasons_for_shown_pairs_equal_reasons_for_all_pairs(welfare) -> None:  # type: ignore[no-untyped-def]
    candidates: Candidates = welfare[2]
    everything = explain(candidates.pairs, candidates.seekers, candidates.posts)
    rng = np.random.default_rng(0)
    rows = rng.choice(len(candidates.pairs), size=25, replace=False)
    scored = candidates.scored()
    shown = scored.iloc[rows].reset_index(drop=True)
    shown = pd.concat(
        [shown, pd.DataFrame({"seeker_id": ["nobody"], "post_id": ["nothing"], "score": [0.0]})],
        ignore_index=True,
    )
    got = pair_reasons(candidates, shown)
    expected = everything.iloc[rows].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        got.iloc[:25].astype(str), expected.astype(str), check_dtype=False
    )
    assert got.iloc[25].isna().all()


def test_place_names_the_families_the_guarantee_could_not_hold_for() -> None:
    seekers = pd.DataFrame(
        {
            "seeker_id": ["s1", "s2", "s3"],
            "tier": [1, 1, 2],
            "family_id": ["F1", "F2", "F3"],
            "zero_employment": [1, 1, 0],
        }
    )
    posts = pd.DataFrame({"post_id": ["p1", "p2"], "capacity": [1, 1], "city": ["2101", "2101"]})
    pairs = pd.DataFrame(
        {"seeker_id": ["s1", "s2", "s3"], "post_id": ["p1", "p1", "p2"], "score": [0.9, 0.5, 0.7]}
    )
    placement = place("welfare", seekers, posts, pairs, mechanism="lexicographic")
    assert len(placement.uncovered) == 1
    assert placement.notes and placement.notes[0].startswith("welfare: family guarantee (三十九)")
    # without the guarantee (or with a mechanism that cannot hold it) nothing is claimed
    plain = place("welfare", seekers, posts, pairs, mechanism="priority")
    assert plain.uncovered == frozenset() and plain.notes == ()
