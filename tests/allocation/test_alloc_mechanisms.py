"""Deferred acceptance and serial dictatorship: hand-solved cases and properties on random
instances, against the ``matching`` package and against direct loops written here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.allocation import mechanisms
from matcher.allocation.mechanisms import Matching, ReserveSpec
from matcher.allocation.problem import AllocationProblem, build_problem, encode_reserves
from matcher.errors import DataValidationError, MatcherError

# --- helpers -------------------------------------------------------------------------------------

# Seeker, post and city ids are ints or strings; pandas' stubs index a Series by either.
Id = Any


def _candidates(rows: list[tuple[Id, Id, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["seeker_id", "post_id", "score"])


def _series(mapping: Mapping[Any, object]) -> pd.Series:
    return pd.Series(list(mapping.values()), index=list(mapping.keys()))


def _problem(
    candidates: pd.DataFrame,
    capacity: pd.Series,
    priority: pd.Series,
    *,
    post_city: pd.Series | None = None,
    city_cap: pd.Series | None = None,
) -> AllocationProblem:
    """The mechanisms' inputs as a problem: ``priority`` (0 first, ties by seeker_id) as the
    lottery of seekers all in one tier, ``capacity`` and ``post_city`` by post_id."""
    seekers = pd.DataFrame({"seeker_id": priority.index, "lottery": priority.to_numpy()})
    posts = pd.DataFrame({"post_id": capacity.index, "capacity": capacity.to_numpy()})
    if post_city is not None:
        posts["city"] = post_city.reindex(capacity.index).to_numpy()
    caps = None
    if city_cap is not None:
        caps = pd.DataFrame({"city": city_cap.index, "cap": city_cap.to_numpy()})
    return build_problem(seekers, posts, candidates, city_caps=caps)


def _frame(problem: AllocationProblem, matching: Matching) -> pd.DataFrame:
    """One row per placed seeker, sorted by seeker_id: seeker_id, post_id, choice_rank, and
    with reserves seat."""
    columns: dict[str, object] = {
        "seeker_id": problem.seekers["seeker_id"].to_numpy()[problem.cand_seeker[matching.chosen]],
        "post_id": problem.posts["post_id"].to_numpy()[problem.cand_post[matching.chosen]],
        "choice_rank": matching.choice_rank,
    }
    if matching.reserved_seat is not None:
        columns["seat"] = np.where(matching.reserved_seat, "reserved", "open")
    frame = pd.DataFrame(columns)
    return frame.sort_values("seeker_id", kind="stable").reset_index(drop=True)


def _da(
    candidates: pd.DataFrame,
    capacity: pd.Series,
    priority: pd.Series,
    *,
    reserves: ReserveSpec | None = None,
) -> pd.DataFrame:
    """:func:`mechanisms.deferred_acceptance` on these tables."""
    problem = _problem(candidates, capacity, priority)
    places = None if reserves is None else encode_reserves(problem, reserves)
    return _frame(problem, mechanisms.deferred_acceptance(problem, reserves=places))


def _sd(
    candidates: pd.DataFrame,
    capacity: pd.Series,
    order: pd.Series,
    *,
    post_city: pd.Series | None = None,
    city_cap: pd.Series | None = None,
) -> pd.DataFrame:
    """:func:`mechanisms.serial_dictatorship` on these tables."""
    problem = _problem(candidates, capacity, order, post_city=post_city, city_cap=city_cap)
    return _frame(problem, mechanisms.serial_dictatorship(problem))


def _pairs(result: pd.DataFrame) -> dict[Id, Id]:
    return dict(zip(result["seeker_id"], result["post_id"], strict=True))


@dataclass
class Instance:
    candidates: pd.DataFrame
    capacity: pd.Series
    priority: pd.Series
    group: pd.Series
    reserved: pd.Series
    post_city: pd.Series
    city_cap: pd.Series

    def preferences(self) -> dict[Id, list[Id]]:
        """Each seeker's acceptable posts, best first: score descending, then post_id."""
        prefs: dict[Id, list[tuple[float, Id]]] = {}
        for seeker, post, score in self.candidates.itertuples(index=False):
            prefs.setdefault(seeker, []).append((-score, post))
        return {s: [p for _, p in sorted(ranked)] for s, ranked in prefs.items()}

    def seekers_in_order(self) -> list[Id]:
        """Seekers by priority, ties by seeker_id."""
        return sorted(self.priority.index, key=lambda s: (self.priority[s], s))


_HALF_UP = float(np.nextafter(0.5, 1.0))
_HALF_UP2 = float(np.nextafter(_HALF_UP, 1.0))
_HALF_DOWN = float(np.nextafter(0.5, 0.0))


@st.composite
def instances(draw: st.DrawFn, max_seekers: int = 9, max_posts: int = 5) -> Instance:
    """A whole random instance: ids of either kind, capacities (some 0), a random set of
    candidate pairs in random row order with tied scores, tied priorities, a group, reserves
    within capacity, and cities with caps (some 0)."""
    n_seekers = draw(st.integers(0, max_seekers))
    n_posts = draw(st.integers(1, max_posts))
    if draw(st.booleans()):
        seekers: list[Id] = [f"S{i:02d}" for i in range(n_seekers)]
        posts: list[Id] = [f"P{j:02d}" for j in range(n_posts)]
    else:
        # Posts numbered against their position, so a positional bug shows.
        seekers = [10 * i + 7 for i in range(n_seekers)]
        posts = [900 - 11 * j for j in range(n_posts)]
    capacity = {p: draw(st.integers(0, 3)) for p in posts}
    pairs = (
        draw(
            st.lists(
                st.tuples(st.sampled_from(seekers), st.sampled_from(posts)),
                unique=True,
                max_size=n_seekers * n_posts,
            )
        )
        if seekers
        else []
    )
    # Ties, and scores one or two units in the last place apart (a packed sort key drops them).
    scores = st.sampled_from([0.0, -0.0, 0.25, 0.5, 0.5, _HALF_UP, _HALF_UP2, _HALF_DOWN, 1.0])
    rows = [(s, p, draw(scores)) for s, p in pairs]
    priority = {s: draw(st.integers(0, max(n_seekers - 1, 0))) for s in seekers}
    group = {s: draw(st.booleans()) for s in seekers}
    reserved = {p: draw(st.integers(0, capacity[p])) for p in posts}
    cities = [f"C{c}" for c in range(draw(st.integers(1, 3)))]
    post_city = {p: draw(st.sampled_from(cities)) for p in posts}
    # Not every city is capped: an uncapped city has no row in the caps table.
    city_cap = {c: draw(st.integers(0, 4)) for c in cities if draw(st.booleans())}
    return Instance(
        candidates=_candidates(rows),
        capacity=_series(capacity),
        priority=_series(priority),
        group=_series(group),
        reserved=_series(reserved),
        post_city=_series(post_city),
        city_cap=_series(city_cap),
    )


def _choose(
    applicants: list[Id],
    capacity: int,
    reserved: int,
    reserved_first: bool,
    member: dict[Id, bool],
    rank_of: dict[Id, int],
) -> dict[Id, str]:
    """A post's reserve choice function written out seat by seat: who gets in, in which seat.

    Reserved seats take the best member left, or (reverting to open) the best applicant left.
    """
    slots = ["reserved"] * reserved + ["open"] * (capacity - reserved)
    if not reserved_first:
        slots.reverse()
    remaining = sorted(applicants, key=rank_of.__getitem__)
    chosen: dict[Id, str] = {}
    for slot in slots:
        if not remaining:
            break
        members = [a for a in remaining if member[a]]
        pick = members[0] if slot == "reserved" and members else remaining[0]
        chosen[pick] = "reserved" if slot == "reserved" and member[pick] else "open"
        remaining.remove(pick)
    return chosen


def _reference_da(instance: Instance, reserves: ReserveSpec | None) -> dict[Id, str]:
    """One proposal at a time (McVitie–Wilson): the seeker-optimal stable matching whatever the
    proposal order, for substitutable choice functions. Returns seeker -> "post|seat"."""
    prefs = instance.preferences()
    rank_of = {s: i for i, s in enumerate(instance.seekers_in_order())}
    member = {s: bool(reserves.group.get(s, False)) if reserves else False for s in rank_of}
    held: dict[Id, dict[Id, str]] = {p: {} for p in instance.capacity.index}
    next_choice = dict.fromkeys(prefs, 0)
    free = list(prefs)
    while free:
        seeker = free.pop()
        if next_choice[seeker] >= len(prefs[seeker]):
            continue
        post = prefs[seeker][next_choice[seeker]]
        reserve = int(reserves.reserved.get(post, 0)) if reserves else 0
        first = reserves is None or reserves.order == "reserved_first"
        chosen = _choose(
            [*held[post], seeker],
            int(instance.capacity[post]),
            reserve,
            first,
            member,
            rank_of,
        )
        for loser in [*held[post], seeker]:
            if loser not in chosen:
                next_choice[loser] += 1
                free.append(loser)
        held[post] = chosen
    return {s: f"{p}|{seat}" for p, chosen in held.items() for s, seat in chosen.items()}


def _reference_sd(instance: Instance, *, with_caps: bool) -> dict[Id, Id]:
    """Serial dictatorship as a plain loop."""
    prefs = instance.preferences()
    left = instance.capacity.to_dict()
    city_left = instance.city_cap.to_dict() if with_caps else {}
    result: dict[Id, Id] = {}
    for seeker in instance.seekers_in_order():
        for post in prefs.get(seeker, []):
            city = instance.post_city[post]
            if left[post] > 0 and city_left.get(city, 1) > 0:
                result[seeker] = post
                left[post] -= 1
                if city in city_left:
                    city_left[city] -= 1
                break
    return result


def _assert_well_formed(instance: Instance, result: pd.DataFrame) -> None:
    """Only candidate pairs, each seeker at most once, sorted, capacities, correct choice_rank."""
    assert result["seeker_id"].is_unique
    assert list(result["seeker_id"]) == sorted(result["seeker_id"])
    prefs = instance.preferences()
    for seeker, post, choice_rank in result[["seeker_id", "post_id", "choice_rank"]].itertuples(
        index=False
    ):
        assert post in prefs[seeker]
        assert prefs[seeker].index(post) + 1 == choice_rank
    counts = result["post_id"].value_counts()
    assert (counts <= instance.capacity.reindex(counts.index)).all()


# --- hand-solved cases ---------------------------------------------------------------------------


def test_da_rejection_chain() -> None:
    # s1 > s2 > s3. Round 1: s1, s2 -> A, s3 -> B; A keeps s1. Round 2: s2 -> B, B prefers s2 to
    # s3 and drops s3, who has nothing left.
    candidates = _candidates(
        [("s1", "A", 1.0), ("s1", "B", 0.5), ("s2", "A", 1.0), ("s2", "B", 0.5), ("s3", "B", 1.0)]
    )
    result = _da(candidates, _series({"A": 1, "B": 1}), _series({"s1": 0, "s2": 1, "s3": 2}))
    assert result.to_dict("list") == {
        "seeker_id": ["s1", "s2"],
        "post_id": ["A", "B"],
        "choice_rank": [1, 2],
    }


def test_score_ties_go_to_the_lower_post_id() -> None:
    candidates = _candidates([(1, 7, 0.5), (1, 3, 0.5), (1, 5, 0.2)])
    capacity = _series({3: 1, 5: 1, 7: 1})
    for mechanism in (_da, _sd):
        result = mechanism(candidates, capacity, _series({1: 0}))
        assert _pairs(result) == {1: 3}


def test_scores_one_unit_in_the_last_place_apart_are_not_a_tie() -> None:
    # B's score is the next float above A's; a sort that packs scores with a column index
    # loses that bit and must notice.
    candidates = _candidates([(1, "A", 0.5), (1, "B", _HALF_UP), (1, "C", 0.5)])
    result = _da(candidates, _series({"A": 1, "B": 1, "C": 1}), _series({1: 0}))
    assert result.to_dict("list") == {"seeker_id": [1], "post_id": ["B"], "choice_rank": [1]}
    full = _da(candidates, _series({"A": 1, "B": 0, "C": 1}), _series({1: 0}))
    assert full.to_dict("list") == {"seeker_id": [1], "post_id": ["A"], "choice_rank": [2]}


def test_negative_zero_ties_with_zero() -> None:
    candidates = _candidates([(1, "B", 0.0), (1, "A", -0.0)])
    result = _da(candidates, _series({"A": 1, "B": 1}), _series({1: 0}))
    assert _pairs(result) == {1: "A"}


def test_priority_ties_go_to_the_lower_seeker_id() -> None:
    candidates = _candidates([(20, "A", 1.0), (10, "A", 1.0)])
    result = _da(candidates, _series({"A": 1}), _series({20: 0, 10: 0}))
    assert _pairs(result) == {10: "A"}


def test_choice_rank_counts_posts_without_places() -> None:
    # The best candidate has no places; the seeker gets the second one on their list.
    candidates = _candidates([(1, "A", 0.9), (1, "B", 0.1)])
    result = _da(candidates, _series({"A": 0, "B": 2}), _series({1: 0}))
    assert result.to_dict("list") == {"seeker_id": [1], "post_id": ["B"], "choice_rank": [2]}


def test_serial_dictatorship_skips_posts_of_a_city_whose_cap_is_used_up() -> None:
    # A and B are in city X with cap 1. s1 takes A; s2 cannot take B (X is used up) and gets C;
    # s3 finds nothing.
    candidates = _candidates(
        [(s, p, score) for s in ("s1", "s2", "s3") for p, score in (("A", 3), ("B", 2), ("C", 1))]
    )
    result = _sd(
        candidates,
        _series({"A": 1, "B": 1, "C": 1}),
        _series({"s1": 0, "s2": 1, "s3": 2}),
        post_city=_series({"A": "X", "B": "X", "C": "Y"}),
        city_cap=_series({"X": 1}),
    )
    assert _pairs(result) == {"s1": "A", "s2": "C"}


def test_city_codes_match_by_text() -> None:
    # Posts read with integer city codes, caps with string ones: the cap still applies.
    candidates = _candidates([("s1", "A", 1.0), ("s2", "B", 1.0)])
    result = _sd(
        candidates,
        _series({"A": 1, "B": 1}),
        _series({"s1": 0, "s2": 1}),
        post_city=_series({"A": 2101, "B": 2101}),
        city_cap=_series({"2101": 1}),
    )
    assert _pairs(result) == {"s1": "A"}


def test_a_later_higher_seeker_displaces_the_worst_holder_of_a_full_city() -> None:
    # City X (posts A with 2 places, B with 1) is capped at 2. Round 1: s1 and s3 fill A and so
    # X; s2 loses C to s0. Round 2: s2 asks for B; X prefers s2 to s3, so s3 is out: the city's
    # cutoff must let s2 through.
    candidates = _candidates(
        [("s0", "C", 1.0), ("s1", "A", 1.0), ("s2", "C", 1.0), ("s2", "B", 0.5), ("s3", "A", 1.0)]
    )
    result = _sd(
        candidates,
        _series({"A": 2, "B": 1, "C": 1}),
        _series({"s0": 0, "s1": 1, "s2": 2, "s3": 3}),
        post_city=_series({"A": "X", "B": "X", "C": "Y"}),
        city_cap=_series({"X": 2}),
    )
    assert _pairs(result) == {"s0": "C", "s1": "A", "s2": "B"}


# Post A has 2 places, 1 reserved for members. Priority: m1 > n1 > m2 > n2 (m = member).
_RESERVE_CANDIDATES = _candidates([(s, "A", 1.0) for s in ("m1", "n1", "m2", "n2")])
_RESERVE_PRIORITY = _series({"m1": 0, "n1": 1, "m2": 2, "n2": 3})
_RESERVE_GROUP = _series({"m1": True, "n1": False, "m2": True, "n2": False})


def test_processing_order_changes_who_gets_in() -> None:
    # reserved_first: the reserved place goes to m1, the open place to the best of the rest, n1.
    # reserved_last: the open place goes to the best of all, m1; the reserved one to m2. n1 is out.
    def run(order: str) -> dict[Id, list[object]]:
        reserves = ReserveSpec(_RESERVE_GROUP, _series({"A": 1}), order)  # type: ignore[arg-type]
        result = _da(_RESERVE_CANDIDATES, _series({"A": 2}), _RESERVE_PRIORITY, reserves=reserves)
        return result[["seeker_id", "seat"]].to_dict("list")

    assert run("reserved_first") == {"seeker_id": ["m1", "n1"], "seat": ["reserved", "open"]}
    assert run("reserved_last") == {"seeker_id": ["m1", "m2"], "seat": ["open", "reserved"]}


@pytest.mark.parametrize("order", ["reserved_first", "reserved_last"])
def test_unfilled_reserved_places_revert_to_open(order: str) -> None:
    # Both places are reserved but only m1 is a member: the other place goes to n1, the best
    # remaining applicant, as an open place.
    group = _series({"m1": True, "n1": False, "m2": False, "n2": False})
    reserves = ReserveSpec(group, _series({"A": 2}), order)  # type: ignore[arg-type]
    result = _da(_RESERVE_CANDIDATES, _series({"A": 2}), _RESERVE_PRIORITY, reserves=reserves)
    assert result[["seeker_id", "seat"]].to_dict("list") == {
        "seeker_id": ["m1", "n1"],
        "seat": ["reserved", "open"],
    }


def test_a_late_member_takes_back_a_reserved_place_from_a_full_post() -> None:
    # A: 2 places, 1 reserved; priority s0 > n1 > n2 > m1 (m1 the only member). Round 1: m1
    # loses B to s0 while n1 and n2 fill A (the reserved place reverted to n2's side). Round 2:
    # m1, worse than both holders, still takes the reserved place and n2 is out.
    candidates = _candidates(
        [("s0", "B", 1.0), ("m1", "B", 1.0), ("m1", "A", 0.5), ("n1", "A", 1.0), ("n2", "A", 1.0)]
    )
    group = _series({"s0": False, "n1": False, "n2": False, "m1": True})
    reserves = ReserveSpec(group, _series({"A": 1, "B": 0}))
    result = _da(
        candidates,
        _series({"A": 2, "B": 1}),
        _series({"s0": 0, "n1": 1, "n2": 2, "m1": 3}),
        reserves=reserves,
    )
    assert result.to_dict("list") == {
        "seeker_id": ["m1", "n1", "s0"],
        "post_id": ["A", "A", "B"],
        "choice_rank": [2, 1, 1],
        "seat": ["reserved", "open", "open"],
    }


def test_no_candidates_places_no_one() -> None:
    result = _da(_candidates([]), _series({"A": 1}), _series({"s1": 0}))
    assert list(result.columns) == ["seeker_id", "post_id", "choice_rank"]
    assert result.empty


@pytest.mark.parametrize(
    ("candidates", "capacity", "rule"),
    [
        (_candidates([("s1", "Z", 1.0)]), _series({"A": 1}), "unknown post (not in posts)"),
        (_candidates([("s9", "A", 1.0)]), _series({"A": 1}), "unknown seeker (not in seekers)"),
        (_candidates([("s1", "A", float("nan"))]), _series({"A": 1}), "not a finite number"),
        (_candidates([("s1", "A", 1.0)]), _series({"A": -1}), "must be at least 0"),
        (_candidates([("s1", "A", 1.0)]), _series({"A": 1.5}), "not a whole number"),
        (
            _candidates([("s1", "A", 1.0), ("s1", "A", 0.5)]),
            _series({"A": 1}),
            "duplicate (seeker_id, post_id) pair",
        ),
    ],
)
def test_bad_input_is_a_validation_error(
    candidates: pd.DataFrame, capacity: pd.Series, rule: str
) -> None:
    with pytest.raises(DataValidationError) as caught:
        _da(candidates, capacity, _series({"s1": 0}))
    assert any(problem.rule == rule for problem in caught.value.problems)


def test_duplicate_pair_is_reported_on_its_row() -> None:
    candidates = _candidates([("s1", "A", 1.0), ("s1", "B", 1.0), ("s1", "A", 0.5)])
    with pytest.raises(DataValidationError) as caught:
        _sd(candidates, _series({"A": 1, "B": 1}), _series({"s1": 0}))
    assert [problem.row for problem in caught.value.problems] == [4]


def test_reserve_larger_than_capacity_is_rejected() -> None:
    reserves = ReserveSpec(_RESERVE_GROUP, _series({"A": 3}))
    with pytest.raises(DataValidationError):
        _da(_RESERVE_CANDIDATES, _series({"A": 2}), _RESERVE_PRIORITY, reserves=reserves)


def test_missing_group_membership_is_rejected_not_counted_as_member() -> None:
    group = pd.Series([True, None, False, False], index=["m1", "n1", "m2", "n2"], dtype=object)
    reserves = ReserveSpec(group, _series({"A": 1}))
    with pytest.raises(DataValidationError) as caught:
        _da(_RESERVE_CANDIDATES, _series({"A": 2}), _RESERVE_PRIORITY, reserves=reserves)
    assert [(p.row, p.column) for p in caught.value.problems] == [(3, "group")]


def test_unknown_processing_order_is_rejected() -> None:
    with pytest.raises(MatcherError, match="'order' parameter of ReserveSpec"):
        ReserveSpec(_RESERVE_GROUP, _series({"A": 1}), "members_only")  # type: ignore[arg-type]


# --- properties on random instances --------------------------------------------------------------

_SETTINGS = settings(max_examples=150, deadline=None)


@_SETTINGS
@given(instances())
def test_da_is_stable_and_equals_the_matching_package(instance: Instance) -> None:
    from matching.games import HospitalResident

    result = _da(instance.candidates, instance.capacity, instance.priority)
    _assert_well_formed(instance, result)
    placed = _pairs(result)

    prefs = instance.preferences()
    rank_of = {s: i for i, s in enumerate(instance.seekers_in_order())}
    # No blocking pair: no seeker prefers a post that has a free place or a worse holder.
    holders: dict[Id, list[Id]] = {}
    for seeker, post in placed.items():
        holders.setdefault(post, []).append(seeker)
    for seeker, ranked in prefs.items():
        better = ranked[: ranked.index(placed[seeker])] if seeker in placed else ranked
        for post in better:
            held = holders.get(post, [])
            assert len(held) >= instance.capacity[post]
            assert all(rank_of[h] < rank_of[seeker] for h in held)

    # The matching package refuses players with nothing to rank and posts without places, so
    # they are left out of its game (they can match no one anyway).
    usable = {p for p, c in instance.capacity.items() if c > 0}
    resident_prefs = {s: [p for p in ranked if p in usable] for s, ranked in prefs.items()}
    resident_prefs = {s: ranked for s, ranked in resident_prefs.items() if ranked}
    hospital_prefs: dict[Id, list[Id]] = {}
    for seeker in sorted(resident_prefs, key=rank_of.__getitem__):
        for post in resident_prefs[seeker]:
            hospital_prefs.setdefault(post, []).append(seeker)
    expected: set[tuple[Id, Id]] = set()
    if resident_prefs:
        game = HospitalResident.create_from_dictionaries(
            resident_prefs,
            hospital_prefs,
            {p: int(instance.capacity[p]) for p in hospital_prefs},
        )
        for hospital, residents in game.solve(optimal="resident").items():
            expected |= {(r.name, hospital.name) for r in residents}
    assert set(placed.items()) == expected


@_SETTINGS
@given(instances(), st.sampled_from(["reserved_first", "reserved_last"]))
def test_da_with_reserves_is_stable_for_the_choice_functions(
    instance: Instance, order: str
) -> None:
    reserves = ReserveSpec(instance.group, instance.reserved, order)  # type: ignore[arg-type]
    result = _da(instance.candidates, instance.capacity, instance.priority, reserves=reserves)
    _assert_well_formed(instance, result)
    placed = _pairs(result)
    seat = dict(zip(result["seeker_id"], result["seat"], strict=True))

    prefs = instance.preferences()
    rank_of = {s: i for i, s in enumerate(instance.seekers_in_order())}
    member = {s: bool(instance.group[s]) for s in rank_of}
    first = order == "reserved_first"

    def choose(post: Id, applicants: list[Id]) -> dict[Id, str]:
        return _choose(
            applicants,
            int(instance.capacity[post]),
            int(instance.reserved[post]),
            first,
            member,
            rank_of,
        )

    holders: dict[Id, list[Id]] = {p: [] for p in instance.capacity.index}
    for seeker, post in placed.items():
        holders[post].append(seeker)
    for post, held in holders.items():
        # Each post would choose exactly its holders, in the seats reported.
        assert choose(post, held) == {s: seat[s] for s in held}
        assert sum(seat[s] == "reserved" for s in held) <= instance.reserved[post]
    for seeker, ranked in prefs.items():
        better = ranked[: ranked.index(placed[seeker])] if seeker in placed else ranked
        for post in better:
            assert seeker not in choose(post, [*holders[post], seeker])

    expected = _reference_da(instance, reserves)
    assert {s: f"{placed[s]}|{seat[s]}" for s in placed} == expected


@_SETTINGS
@given(instances())
def test_reserves_that_reserve_nothing_change_nothing(instance: Instance) -> None:
    plain = _da(instance.candidates, instance.capacity, instance.priority)
    no_members = ReserveSpec(instance.group & False, instance.reserved)
    nothing_reserved = ReserveSpec(instance.group, instance.reserved * 0, "reserved_last")
    for reserves in (no_members, nothing_reserved):
        result = _da(instance.candidates, instance.capacity, instance.priority, reserves=reserves)
        assert (result["seat"] == "open").all()
        pd.testing.assert_frame_equal(result.drop(columns="seat"), plain)


@_SETTINGS
@given(instances())
def test_serial_dictatorship_equals_a_direct_loop(instance: Instance) -> None:
    result = _sd(instance.candidates, instance.capacity, instance.priority)
    _assert_well_formed(instance, result)
    assert _pairs(result) == _reference_sd(instance, with_caps=False)
    # With one common priority, the stable matching is the serial-dictatorship outcome.
    stable = _da(instance.candidates, instance.capacity, instance.priority)
    pd.testing.assert_frame_equal(result, stable)


@_SETTINGS
@given(instances())
def test_serial_dictatorship_with_city_caps_equals_a_direct_loop(instance: Instance) -> None:
    result = _sd(
        instance.candidates,
        instance.capacity,
        instance.priority,
        post_city=instance.post_city,
        city_cap=instance.city_cap,
    )
    _assert_well_formed(instance, result)
    per_city = result["post_id"].map(instance.post_city).value_counts()
    for city, count in per_city.items():
        assert count <= instance.city_cap.get(city, count)
    assert _pairs(result) == _reference_sd(instance, with_caps=True)


@settings(max_examples=100, deadline=None)
@given(instances())
def test_long_list_fallback_sort_gives_the_same_result(instance: Instance) -> None:
    # Lists far longer than the rest are sorted globally instead of in a padded matrix.
    padded = _da(instance.candidates, instance.capacity, instance.priority)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mechanisms, "_MAX_PADDING_FACTOR", 0)
        patch.setattr(mechanisms, "_PADDING_ALLOWANCE", -1)
        global_sort = _da(instance.candidates, instance.capacity, instance.priority)
    pd.testing.assert_frame_equal(global_sort, padded)
