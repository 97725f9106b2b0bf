"""Hand-solved allocation cases from the notice's situations; each expected result is worked out
in the comment above it, not produced by the code under test."""

from __future__ import annotations

import pandas as pd
import pytest

from matcher.allocation import allocate
from matcher.errors import InfeasibleError


def _placed(result: object) -> dict[str, str]:
    frame = result.assignments  # type: ignore[attr-defined]
    return dict(zip(frame["seeker_id"], frame["post_id"], strict=True))


# Shenyang community posts (公益性岗位): one cleaning post and one security post, one place each.
POSTS = pd.DataFrame(
    {"post_id": ["SY-clean", "SY-guard"], "capacity": [1, 1], "city": ["2101", "2101"]}
)


def test_zero_employment_family_gets_a_member_placed() -> None:
    # Wang Li and Wang Qiang are the two members of a zero-employment family (零就业家庭).
    # Zhao and Sun score higher on both posts. Without the guarantee the optimum places Zhao on
    # clean (0.9) and Sun on guard (0.8), total 1.7. With (三十九) one Wang must be placed; the
    # best way is Zhao clean (0.9) + Wang Qiang guard (0.6) = 1.5, better than Wang Li clean with
    # Sun guard (1.3) or Zhao guard (1.2), and Sun clean with Wang Qiang guard (1.35).
    seekers = pd.DataFrame(
        {
            "seeker_id": ["wang-li", "wang-qiang", "zhao", "sun"],
            "family_id": ["F-wang", "F-wang", "F-zhao", "F-sun"],
            "zero_employment": [1, 1, 0, 0],
        }
    )
    candidates = pd.DataFrame(
        {
            "seeker_id": ["wang-li", "wang-qiang", "zhao", "zhao", "sun", "sun"],
            "post_id": ["SY-clean", "SY-guard", "SY-clean", "SY-guard", "SY-clean", "SY-guard"],
            "score": [0.5, 0.6, 0.9, 0.7, 0.75, 0.8],
        }
    )
    assert _placed(allocate(seekers, POSTS, candidates)) == {
        "zhao": "SY-clean",
        "sun": "SY-guard",
    }
    guaranteed = allocate(seekers, POSTS, candidates, families=True)
    assert _placed(guaranteed) == {"zhao": "SY-clean", "wang-qiang": "SY-guard"}
    assert guaranteed.objective == pytest.approx(1.5)
    reasons = dict(
        zip(guaranteed.unplaced["seeker_id"], guaranteed.unplaced["reason_code"], strict=True)
    )
    assert reasons == {"wang-li": "outranked", "sun": "outranked"}


def test_lexicographic_puts_the_4050_worker_first() -> None:
    # One place. Liu (tier 1: a "4050" worker, 就业困难对象) scores 0.4, Chen (tier 2) 0.9.
    # optimal takes the larger score (Chen); lexicographic first maximises tier-1 placements
    # (Liu); priority (serial dictatorship by tier) also lets Liu choose first.
    seekers = pd.DataFrame({"seeker_id": ["liu", "chen"], "tier": [1, 2]})
    posts = pd.DataFrame({"post_id": ["AS-service"], "capacity": [1], "city": ["2103"]})
    candidates = pd.DataFrame(
        {"seeker_id": ["liu", "chen"], "post_id": ["AS-service"] * 2, "score": [0.4, 0.9]}
    )
    assert _placed(allocate(seekers, posts, candidates)) == {"chen": "AS-service"}
    for mechanism in ("lexicographic", "priority", "stable"):
        result = allocate(seekers, posts, candidates, mechanism=mechanism)
        assert _placed(result) == {"liu": "AS-service"}
        assert result.unplaced["reason_code"].tolist() == ["outranked_by_higher_tier"]


def test_liaoxibei_city_quota_used_up() -> None:
    # Fuxin (阜新, Liaoxibei) has two posts with a place each, but its quota is 1. Guo has no
    # candidate (no eligible post within reach). optimal places the best score, Ma 0.9 on FX-1;
    # Hu (0.7 on FX-2) is blocked by the quota although FX-2 has a place. In priority order
    # (no tier or lottery: by seeker id, hu before ma) Hu chooses first and Ma is blocked.
    seekers = pd.DataFrame({"seeker_id": ["ma", "hu", "guo"]})
    posts = pd.DataFrame({"post_id": ["FX-1", "FX-2"], "capacity": [1, 1], "city": ["2109"] * 2})
    candidates = pd.DataFrame(
        {"seeker_id": ["ma", "hu"], "post_id": ["FX-1", "FX-2"], "score": [0.9, 0.7]}
    )
    expected = {
        "optimal": ({"ma": "FX-1"}, {"hu": "city_quota_used", "guo": "no_candidate"}),
        "priority": ({"hu": "FX-2"}, {"ma": "city_quota_used", "guo": "no_candidate"}),
    }
    for mechanism, (placed, reasons) in expected.items():
        result = allocate(
            seekers,
            posts,
            candidates,
            mechanism=mechanism,  # type: ignore[arg-type]
            city_caps={"2109": 1},
        )
        assert _placed(result) == placed
        unplaced = result.unplaced
        assert dict(zip(unplaced["seeker_id"], unplaced["reason_code"], strict=True)) == reasons


def test_one_member_per_low_income_household() -> None:
    # A minimum-allowance (低保) household with two members who are the best candidates for both
    # posts (0.9, 0.8); a third seeker Tian scores 0.3. Spreading posts across families leaves
    # one member out: best is the 0.9 member plus Tian (1.2) rather than both members (1.7).
    seekers = pd.DataFrame(
        {"seeker_id": ["li-a", "li-b", "tian"], "family_id": ["F-li", "F-li", "F-tian"]}
    )
    candidates = pd.DataFrame(
        {
            "seeker_id": ["li-a", "li-b", "tian"],
            "post_id": ["SY-clean", "SY-guard", "SY-guard"],
            "score": [0.9, 0.8, 0.3],
        }
    )
    assert _placed(allocate(seekers, POSTS, candidates, one_per_family=True)) == {
        "li-a": "SY-clean",
        "tian": "SY-guard",
    }
    result = allocate(seekers, POSTS, candidates, one_per_family=True)
    assert result.unplaced["reason_code"].tolist() == ["family_member_placed"]


def test_stable_seeker_optimal_with_common_priority() -> None:
    # Posts rank by (tier, lottery): A (tier 1) > B (tier 2, lottery 1) > C (tier 2, lottery 2).
    # A prefers X; B prefers X then Y; C prefers Y. A gets X, B is rejected by X and takes Y,
    # pushing out C. Serial dictatorship in the same order gives the same (common priorities).
    seekers = pd.DataFrame({"seeker_id": ["A", "B", "C"], "tier": [1, 2, 2], "lottery": [9, 1, 2]})
    posts = pd.DataFrame({"post_id": ["X", "Y"], "capacity": [1, 1]})
    candidates = pd.DataFrame(
        {
            "seeker_id": ["A", "B", "B", "C"],
            "post_id": ["X", "X", "Y", "Y"],
            "score": [0.5, 0.9, 0.1, 0.8],
        }
    )
    expected = {"A": "X", "B": "Y"}
    assert _placed(allocate(seekers, posts, candidates, mechanism="stable")) == expected
    assert _placed(allocate(seekers, posts, candidates, mechanism="priority")) == expected
    # In lottery order B (1) chooses first and takes X, C (2) takes Y, A (9) is left.
    assert _placed(allocate(seekers, posts, candidates, mechanism="lottery")) == {
        "B": "X",
        "C": "Y",
    }


def test_tier_floor_short_by_two_is_reported() -> None:
    # Two tier-1 seekers, but only one has a candidate post; a floor of 3 is short by 2.
    seekers = pd.DataFrame({"seeker_id": ["a", "b", "c"], "tier": [1, 1, 2]})
    posts = pd.DataFrame({"post_id": ["p"], "capacity": [5]})
    candidates = pd.DataFrame({"seeker_id": ["a", "c"], "post_id": ["p", "p"], "score": [1, 1]})
    with pytest.raises(InfeasibleError) as raised:
        allocate(seekers, posts, candidates, tier_floors={1: 3})
    [shortfall] = raised.value.shortfalls
    assert (shortfall.constraint, shortfall.subject, shortfall.missing) == (
        "tier_floor",
        "tier 1",
        2,
    )


def test_lexicographic_with_a_family_spanning_tiers_is_one_exact_flow() -> None:
    """A zero-employment family whose members sit in different tiers (a poor-family graduate of
    tier 1 and a sibling of tier 2). The tiers and families do not nest, but lexicographic is one
    weighted min-cost flow with bonuses on the seekers' arcs, so it stays an exact network solve
    (it once fell back to CP-SAT and hit its time limit).

    By hand: tier 1 can place both s1 (only p1) and s3 (p1 or p2) by giving s3 p2; that also
    covers family F1 through s1, so s2 (tier 2) is left out.
    """
    from matcher.allocation.api import allocate

    seekers = pd.DataFrame(
        {
            "seeker_id": ["s1", "s2", "s3"],
            "tier": [1, 2, 1],
            "family_id": ["F1", "F1", "F2"],
            "zero_employment": [1, 1, 0],
        }
    )
    posts = pd.DataFrame({"post_id": ["p1", "p2"], "capacity": [1, 1]})
    candidates = pd.DataFrame(
        {
            "seeker_id": ["s1", "s2", "s3", "s3"],
            "post_id": ["p1", "p2", "p1", "p2"],
            "score": [0.5, 0.4, 0.9, 0.2],
        }
    )
    result = allocate(seekers, posts, candidates, mechanism="lexicographic", families=True)
    placed = dict(zip(result.assignments["seeker_id"], result.assignments["post_id"], strict=True))
    assert placed == {"s1": "p1", "s3": "p2"}
    assert result.status == "optimal"
    assert any("min-cost flow" in note for note in result.notes), result.notes


def test_reasons_name_tiers_only_under_mechanisms_that_order_by_tier() -> None:
    # The same one-place case: Chen (tier 2) outscores Liu (tier 1). optimal places Chen for
    # the score and lottery places whoever drew first; neither looks at tiers, so the unplaced
    # seeker is told what did decide (score, lottery order), never "outranked by higher tiers".
    seekers = pd.DataFrame({"seeker_id": ["liu", "chen"], "tier": [1, 2], "lottery": [2.0, 1.0]})
    posts = pd.DataFrame({"post_id": ["AS-service"], "capacity": [1], "city": ["2103"]})
    candidates = pd.DataFrame(
        {"seeker_id": ["liu", "chen"], "post_id": ["AS-service"] * 2, "score": [0.4, 0.9]}
    )
    for mechanism, decided_by in (("optimal", "better-scoring"), ("lottery", "lottery")):
        result = allocate(seekers, posts, candidates, mechanism=mechanism)
        assert _placed(result) == {"chen": "AS-service"}
        assert result.unplaced["reason_code"].tolist() == ["outranked"]
        reason = result.unplaced["reason"].iloc[0]
        assert decided_by in reason and "tier" not in reason
