"""Hand-checked fairness cases. Every expected number is worked out in the comments from the
instance's definition, never copied from a run of our code.

The three-seeker instance used throughout::

    seekers  tier lottery city sex family zero   candidates (score)
    s1       1    1       X    F   f2     0      pA 0.9, pB 0.5
    s2       2    2       Y    M   f1     1      pA 0.8, pB 0.7
    s3       2    3       Y    F   f1     1      pA 0.6, pC 0.3
    posts: pA (city X, capacity 1), pB (Y, 1), pC (Y, 1)

Priority (tier, lottery, id): s1 before s2 before s3.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from matcher.allocation import allocate, build_problem
from matcher.fairness.inequality import (
    atkinson,
    gallagher,
    gini,
    loosemore_hanby,
    theil_decomposition,
)
from matcher.fairness.metrics import FairnessMeasures, chosen_arcs, measure_allocation
from matcher.reports.audit import apportionment_audit


def _seekers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "seeker_id": ["s1", "s2", "s3"],
            "tier": [1, 2, 2],
            "lottery": [1, 2, 3],
            "city": ["X", "Y", "Y"],
            "sex": ["F", "M", "F"],
            "family_id": ["f2", "f1", "f1"],
            "zero_employment": [0, 1, 1],
        }
    )


def _posts() -> pd.DataFrame:
    return pd.DataFrame(
        {"post_id": ["pA", "pB", "pC"], "capacity": [1, 1, 1], "city": ["X", "Y", "Y"]}
    )


def _candidates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "seeker_id": ["s1", "s1", "s2", "s2", "s3", "s3"],
            "post_id": ["pA", "pB", "pA", "pB", "pA", "pC"],
            "score": [0.9, 0.5, 0.8, 0.7, 0.6, 0.3],
        }
    )


def _measure(pairs: list[tuple[str, str]], **constraints: object) -> FairnessMeasures:
    problem = build_problem(_seekers(), _posts(), _candidates(), **constraints)  # type: ignore[arg-type]
    allocation = pd.DataFrame(pairs, columns=["seeker_id", "post_id"])
    return measure_allocation(problem, chosen_arcs(problem, allocation))


def test_unstable_allocation_counts_envy_waste_rates_and_ranks() -> None:
    # s2 -> pA, s1 -> pB, s3 unplaced.
    m = _measure([("s2", "pA"), ("s1", "pB")])
    # s1 holds pB (0.5) and prefers pA (0.9), which holds s2, of lower priority: 1 envy pair.
    # s2 holds pA (0.8) and does not prefer pB (0.7). s3 is unplaced: it prefers pA and pC;
    # pA holds s2 of *higher* priority (no envy), pC is empty: 1 wasteful pair.
    assert m.envy.justified_envy_pairs == 1
    assert m.envy.seekers_with_justified_envy == 1
    assert m.envy.wasteful_pairs == 1
    assert m.envy.seekers_with_waste == 1
    # Tier 1: s1 placed of 1 -> 1.0; tier 2: s2 placed of s2, s3 -> 0.5.
    assert m.rates("tier") == {"1": 1.0, "2": 0.5}
    # Value 0.8 (s2 at pA) + 0.5 (s1 at pB) = 1.3.
    assert m.total_value == pytest.approx(1.3)
    # pA is s2's first choice (0.8 > 0.7); pB is s1's second (0.5 < 0.9).
    assert m.rank_distribution["1"] == 1 and m.rank_distribution["2"] == 1
    assert sum(m.rank_distribution.values()) == 2
    # Unused: only pC (city Y) is free.
    assert m.unused_capacity == 1
    assert dict(zip(m.unused_by_city["city"], m.unused_by_city["unused"], strict=True)) == {
        "X": 0,
        "Y": 1,
    }
    # Cities of the seekers: X has s1 (placed) -> 1.0; Y has s2 (placed), s3 -> 0.5.
    assert m.rates("city") == {"X": 1.0, "Y": 0.5}
    # Sex: F = s1 (placed), s3 -> 0.5; M = s2 (placed) -> 1.0; F's ratio to the best is 0.5,
    # its difference to the overall rate 2/3 is -1/6.
    sex = m.breakdowns["sex"].set_index("group")
    assert sex.loc["F", "placement_rate"] == 0.5 and sex.loc["M", "placement_rate"] == 1.0
    assert sex.loc["F", "rate_ratio_to_best"] == 0.5
    assert sex.loc["F", "rate_difference_to_overall"] == pytest.approx(0.5 - 2 / 3)
    # Shares: F holds 1 of 2 places and is 2 of 3 people.
    assert sex.loc["F", "share_of_places"] == 0.5
    assert sex.loc["F", "share_of_eligible"] == pytest.approx(2 / 3)
    # Mean value of the placed: F -> s1 0.5; M -> s2 0.8.
    assert sex.loc["F", "mean_value"] == pytest.approx(0.5)
    assert sex.loc["M", "mean_value"] == pytest.approx(0.8)
    # Family f1 (zero-employment; s2, s3 have candidates) is covered by s2.
    assert (m.families_coverable, m.families_covered) == (1, 1)
    # The zero_employment group: s2, s3 -> 1 of 2.
    group = m.breakdowns["group"].set_index("group")
    assert group.loc["zero_employment", "placement_rate"] == 0.5


def test_inequality_across_cities_by_hand() -> None:
    m = _measure([("s2", "pA"), ("s1", "pB")])
    # City rates X = 1 (1 person), Y = 0.5 (2 people); mean 2/3 per person.
    # Lorenz: Y first (population 2/3, placements 1/2), then X (1, 1):
    # Gini = 1 - [2/3 (1/2 + 0) + 1/3 (1 + 1/2)] = 1 - (1/3 + 1/2) = 1/6.
    assert m.inequality["gini_placement_rate"] == pytest.approx(1 / 6)
    # Atkinson e=1: 1 - geometric mean / mean = 1 - 0.5^(2/3) / (2/3).
    assert m.inequality["atkinson_1_placement_rate"] == pytest.approx(1 - 0.5 ** (2 / 3) / (2 / 3))
    # Atkinson e=2: harmonic mean 1 / ((1/1 + 2/0.5) / 3) = 3/5, so 1 - (3/5) / (2/3) = 0.1.
    assert m.inequality["atkinson_2_placement_rate"] == pytest.approx(0.1)
    # Theil of outcomes (1, 1, 0), mean 2/3: (1/3)(2 * 1.5 ln 1.5) = ln 1.5.
    # Between: each city holds half the placements: 1/2 ln(1 / (2/3)) + 1/2 ln(0.5 / (2/3)).
    # Within: X is one person (0); Y is (1, 0): ln 2, weighted by its share 1/2.
    assert m.inequality["theil_placement"] == pytest.approx(math.log(1.5))
    assert m.inequality["theil_placement_between_city"] == pytest.approx(
        0.5 * math.log(1.5) + 0.5 * math.log(0.75)
    )
    assert m.inequality["theil_placement_within_city"] == pytest.approx(0.5 * math.log(2))


def test_stable_allocation_of_the_example_has_no_envy_and_no_waste() -> None:
    # Deferred acceptance: s1 takes pA; s2 is rejected by pA (s1 ranks higher) and takes pB;
    # s3 is rejected by pA and takes pC. Nobody envies, nothing is free that anyone wants.
    result = allocate(_seekers(), _posts(), _candidates(), mechanism="stable")
    pairs = sorted(zip(result.assignments["seeker_id"], result.assignments["post_id"], strict=True))
    assert pairs == [("s1", "pA"), ("s2", "pB"), ("s3", "pC")]
    m = _measure(pairs)
    assert (m.envy.justified_envy_pairs, m.envy.wasteful_pairs) == (0, 0)
    # Value 0.9 + 0.7 + 0.3 = 1.9; every tier fully placed.
    assert m.total_value == pytest.approx(1.9)
    assert m.rates("tier") == {"1": 1.0, "2": 1.0}


def test_floors_and_quota_fill_by_hand() -> None:
    # Tier-2 floor of 2 with only s2 placed: achieved 1, short by 1.
    # City caps X = 1, Y = 2: placed X 1 (s2 at pA), Y 1 (s1 at pB): fill 1.0 and 0.5.
    m = _measure(
        [("s2", "pA"), ("s1", "pB")],
        tier_floors={2: 2},
        city_caps={"X": 1, "Y": 2},
        family_guarantee=True,
    )
    floors = m.floors.set_index("subject")
    assert floors.loc["tier 2", "achieved"] == 1
    assert not floors.loc["tier 2", "met"]
    assert floors.loc["tier 2", "shortfall"] == 1
    # The family guarantee covers f1 (1 coverable family, covered by s2): met.
    assert floors.loc["zero-employment families", "met"]
    assert m.floor_shortfall == 1
    fill = dict(zip(m.quota_fill["city"], m.quota_fill["fill_rate"], strict=True))
    assert fill == {"X": 1.0, "Y": 0.5}


def test_inequality_indices_of_two_people() -> None:
    # Outcomes 0 and 1: Gini = 1 - [1/2 (0 + 0) + 1/2 (1 + 0)] = 1/2. Atkinson e=0.5: the
    # equally distributed equivalent is (E[sqrt x])^2 = (1/2)^2 = 1/4, the mean 1/2, so
    # 1 - (1/4) / (1/2) = 1/2. Theil = 1/2 * 2 ln 2 = ln 2, all of it within the one group.
    assert gini([0, 1]) == pytest.approx(0.5)
    assert atkinson([0, 1], epsilon=0.5) == pytest.approx(0.5)
    assert atkinson([0, 1], epsilon=1.0) == 1.0
    assert atkinson([3, 3], epsilon=2.0) == 0.0
    split = theil_decomposition([0, 1], ["a", "a"])
    assert split.total == pytest.approx(math.log(2))
    assert split.between == pytest.approx(0.0) and split.within == pytest.approx(math.log(2))
    # Two groups, each internally equal: everything is between.
    split = theil_decomposition([1, 1, 3, 3], ["a", "a", "b", "b"])
    assert split.within == pytest.approx(0.0)
    assert split.between == pytest.approx(split.total)
    # Mean 2: 1/4 [2 * 0.5 ln 0.5 + 2 * 1.5 ln 1.5].
    assert split.total == pytest.approx(0.25 * (math.log(0.5) + 3 * math.log(1.5)))


def test_disproportionality_and_alabama_by_hand() -> None:
    # Seats (4, 4, 2) for need (6, 6, 2): shares (.4, .4, .2) vs (3/7, 3/7, 1/7).
    # Loosemore-Hanby = 1/2 (1/35 + 1/35 + 2/35) = 2/35.
    assert loosemore_hanby([4, 4, 2], [6, 6, 2]) == pytest.approx(2 / 35)
    # Gallagher = sqrt(1/2 ((100/35)^2 * 2 + (200/35)^2)) = (100/35) sqrt(3).
    assert gallagher([4, 4, 2], [6, 6, 2]) == pytest.approx(100 / 35 * math.sqrt(3))
    # Hamilton, need (6, 6, 2): 10 seats -> quotas 4.29, 4.29, 1.43 -> (4, 4, 2) by remainders;
    # 11 seats -> quotas 4.71, 4.71, 1.57 -> (5, 5, 1): C loses a seat (Alabama paradox).
    # Webster is a divisor method: house monotone, no seat lost.
    audit = apportionment_audit(
        {"A": 6, "B": 6, "C": 2}, 10, methods=("hamilton", "webster"), sweep=(1,), need_changes=()
    )
    methods = audit.methods.set_index("method")
    assert methods.loc["hamilton", "alabama_seats_+1"] == 1
    assert methods.loc["webster", "alabama_seats_+1"] == 0
    cities = audit.cities.set_index("city")
    assert list(cities["seats_hamilton"]) == [4, 4, 2]
    # Exact quotas 60/14, 60/14, 20/14; Hamilton stays within floor/ceil: no violation.
    assert cities.loc["C", "exact_quota"] == pytest.approx(20 / 14)
    assert methods.loc["hamilton", "quota_violations"] == 0
    # Posts per 10,000 eligible for C under Hamilton: 2 * 10,000 / 2.
    assert cities.loc["C", "posts_per_10k_hamilton"] == pytest.approx(10_000)
    assert np.isfinite(audit.methods["gallagher"].to_numpy(dtype=float)).all()
