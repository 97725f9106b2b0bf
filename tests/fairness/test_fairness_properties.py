"""Invariants of the fairness metrics on random small instances (hypothesis):

* a stable allocation (deferred acceptance) has zero justified envy and zero waste;
* every metric is invariant to the row order of the input tables;
* rates and shares lie in [0, 1], and the counts add up;
* the vectorised envy and waste counts equal a plain loop over pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.allocation import allocate, build_problem
from matcher.fairness.metrics import FairnessMeasures, chosen_arcs, measure_allocation


@st.composite
def markets(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Seekers (tier, lottery, city, sex, family), posts (capacity 0-3), candidate pairs with
    scores from a few values so that ties are common."""
    n_seekers = draw(st.integers(1, 9))
    n_posts = draw(st.integers(1, 4))
    seekers = pd.DataFrame(
        {
            "seeker_id": [f"S{i}" for i in range(n_seekers)],
            "tier": draw(st.lists(st.integers(1, 3), min_size=n_seekers, max_size=n_seekers)),
            "lottery": draw(st.permutations(range(n_seekers))),
            "city": draw(st.lists(st.sampled_from("XY"), min_size=n_seekers, max_size=n_seekers)),
            "sex": draw(st.lists(st.sampled_from("MF"), min_size=n_seekers, max_size=n_seekers)),
            "family_id": draw(
                st.lists(
                    st.sampled_from(["f0", "f1", "f2"]), min_size=n_seekers, max_size=n_seekers
                )
            ),
        }
    )
    seekers["zero_employment"] = (seekers["family_id"] == "f0").astype(int)
    posts = pd.DataFrame(
        {
            "post_id": [f"P{j}" for j in range(n_posts)],
            "capacity": draw(st.lists(st.integers(0, 3), min_size=n_posts, max_size=n_posts)),
            "city": draw(st.lists(st.sampled_from("XY"), min_size=n_posts, max_size=n_posts)),
        }
    )
    pairs = draw(
        st.sets(
            st.tuples(st.integers(0, n_seekers - 1), st.integers(0, n_posts - 1)),
            max_size=n_seekers * n_posts,
        )
    )
    ordered = sorted(pairs)
    scores = draw(
        st.lists(
            st.sampled_from([0.1, 0.25, 0.5, 0.9]), min_size=len(ordered), max_size=len(ordered)
        )
    )
    candidates = pd.DataFrame(
        {
            "seeker_id": [f"S{s}" for s, _ in ordered],
            "post_id": [f"P{p}" for _, p in ordered],
            "score": scores,
        },
        columns=["seeker_id", "post_id", "score"],
    )
    return seekers, posts, candidates


def _measure(
    seekers: pd.DataFrame, posts: pd.DataFrame, candidates: pd.DataFrame, allocation: pd.DataFrame
) -> FairnessMeasures:
    problem = build_problem(seekers, posts, candidates)
    return measure_allocation(problem, chosen_arcs(problem, allocation))


def _loop_counts(
    seekers: pd.DataFrame, posts: pd.DataFrame, candidates: pd.DataFrame, allocation: pd.DataFrame
) -> tuple[int, int]:
    """Justified envy and wasteful pairs by the definition, one pair at a time."""
    order = seekers.sort_values(["tier", "lottery", "seeker_id"])["seeker_id"].tolist()
    rank = {s: i for i, s in enumerate(order)}
    score = {
        (s, p): v
        for s, p, v in candidates[["seeker_id", "post_id", "score"]].itertuples(index=False)
    }
    own = dict(zip(allocation["seeker_id"], allocation["post_id"], strict=True))
    holders: dict[str, list[str]] = {}
    for s, p in own.items():
        holders.setdefault(p, []).append(s)
    capacity = dict(zip(posts["post_id"], posts["capacity"], strict=True))
    envy = waste = 0
    for (s, p), value in score.items():
        mine = own.get(s)
        prefers = mine is None or (value, _neg(p)) > (score[(s, mine)], _neg(mine))
        if not prefers:
            continue
        if any(rank[h] > rank[s] for h in holders.get(p, [])):
            envy += 1
        if len(holders.get(p, [])) < capacity[p]:
            waste += 1
    return envy, waste


def _neg(post_id: str) -> tuple[int, ...]:
    """Order key making a smaller post id compare as better (ids here are one letter, one digit)."""
    return tuple(-ord(c) for c in post_id)


def _allocation(result_assignments: pd.DataFrame) -> pd.DataFrame:
    return result_assignments[["seeker_id", "post_id"]].reset_index(drop=True)


@settings(max_examples=20, deadline=None)
@given(markets())
def test_stable_allocation_has_no_justified_envy_and_no_waste(
    market: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    seekers, posts, candidates = market
    result = allocate(seekers, posts, candidates, mechanism="stable")
    m = _measure(seekers, posts, candidates, _allocation(result.assignments))
    assert m.envy.justified_envy_pairs == 0
    assert m.envy.wasteful_pairs == 0
    assert m.envy.seekers_with_justified_envy == 0


@settings(max_examples=20, deadline=None)
@given(markets(), st.sampled_from(["lottery", "optimal", "priority"]))
def test_vectorised_counts_equal_the_definition(
    market: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], mechanism: str
) -> None:
    seekers, posts, candidates = market
    result = allocate(seekers, posts, candidates, mechanism=mechanism)  # type: ignore[arg-type]
    allocation = _allocation(result.assignments)
    m = _measure(seekers, posts, candidates, allocation)
    assert (m.envy.justified_envy_pairs, m.envy.wasteful_pairs) == _loop_counts(
        seekers, posts, candidates, allocation
    )


@settings(max_examples=10, deadline=None)
@given(markets(), st.randoms(use_true_random=False))
def test_metrics_do_not_depend_on_row_order(
    market: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], random: object
) -> None:
    seekers, posts, candidates = market
    allocation = _allocation(allocate(seekers, posts, candidates, mechanism="lottery").assignments)
    before = _measure(seekers, posts, candidates, allocation).to_dict()
    seed = random.randint(0, 2**31)  # type: ignore[attr-defined]

    def shuffled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)

    after = _measure(
        shuffled(seekers), shuffled(posts), shuffled(candidates), shuffled(allocation)
    ).to_dict()
    assert before.keys() == after.keys()
    for key in before:
        if key == "total_value":
            assert np.isclose(before[key], after[key])
        else:
            assert _rounded(before[key]) == _rounded(after[key]), key


def _rounded(value: object) -> object:
    """Floats rounded (sums in another order may differ in the last bit)."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


@settings(max_examples=15, deadline=None)
@given(markets(), st.sampled_from(["lottery", "optimal", "stable"]))
def test_rates_are_in_unit_interval_and_counts_add_up(
    market: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], mechanism: str
) -> None:
    seekers, posts, candidates = market
    result = allocate(seekers, posts, candidates, mechanism=mechanism)  # type: ignore[arg-type]
    m = _measure(seekers, posts, candidates, _allocation(result.assignments))
    for name, table in m.breakdowns.items():
        for column in (
            "placement_rate",
            "share_of_eligible",
            "share_of_places",
            "rate_ratio_to_best",
        ):
            values = table[column].dropna()
            assert ((values >= 0) & (values <= 1 + 1e-12)).all(), (name, column)
        if name in ("tier", "city", "sex"):  # partitions: counts add up to the totals
            assert table["eligible"].sum() == m.seekers
            assert table["placed"].sum() == m.placed
    assert 0 <= m.placement_rate <= 1
    assert 0 <= m.families_covered <= m.families_coverable
    assert sum(m.rank_distribution.values()) == m.placed
    assert m.unused_capacity == int(posts["capacity"].sum()) - m.placed
    for key, value in m.inequality.items():
        if key.startswith(("gini", "atkinson")):
            assert 0 <= value <= 1, key
        if key.startswith("theil"):
            assert value >= -1e-12, key
    theil = m.inequality
    if theil:
        assert np.isclose(
            theil["theil_placement"],
            theil["theil_placement_between_city"] + theil["theil_placement_within_city"],
        )
