"""Apportionment methods: against the reference package, and properties every result must have."""

from __future__ import annotations

import math
from fractions import Fraction

import apportionment.methods as reference
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from matcher.errors import InfeasibleError
from matcher.quotas.methods import (
    DIVISOR_METHODS,
    METHODS,
    ApportionmentParameterError,
    ApportionmentTieError,
    apportion,
    draw_lots,
    resolve_method,
    seat_range,
)

REFERENCE_NAME = {
    "hamilton": "largest_remainder",
    "jefferson": "dhondt",
    "webster": "saintelague",
    "adams": "adams",
    "dean": "dean",
    "huntington-hill": "huntington",
}


def _names(n: int) -> list[str]:
    return [f"R{i:03d}" for i in range(n)]


# ---------------------------------------------------------------------------------------------
# against the reference implementation (no bounds)


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=120, deadline=None)
@given(
    votes=st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=12),
    seats=st.integers(min_value=1, max_value=80),
)
def test_matches_reference_package(method: str, votes: list[int], seats: int) -> None:
    assume(sum(votes) > 0)
    try:
        expected = reference.compute(
            REFERENCE_NAME[method], votes, seats, fractions=True, tiesallowed=False
        )
    except reference.TiesException:
        expected = None
    got = seat_range(_names(len(votes)), votes, seats, method)
    # The reference compares Huntington-Hill priorities as floats: it can miss a tie or see one
    # that is not there, so for that method only instances untied on both sides are compared.
    if method == "huntington-hill" and (expected is None or got.tie is not None):
        return
    if expected is None:
        assert got.tie is not None
    else:
        assert got.tie is None
        assert list(got.low) == expected


# ---------------------------------------------------------------------------------------------
# properties


@st.composite
def instances(draw: st.DrawFn, *, bounded: bool = True) -> dict:
    """A feasible instance with fractional weights and (optionally) bounds."""
    n = draw(st.integers(min_value=1, max_value=10))
    weights = [
        Fraction(draw(st.integers(0, 10_000)), draw(st.sampled_from([1, 2, 4, 10, 100, 3])))
        for _ in range(n)
    ]
    assume(sum(weights) > 0)
    minimum = [draw(st.integers(0, 4)) if bounded else 0 for _ in range(n)]
    maximum: list[int | None] = []
    for i in range(n):
        if bounded and draw(st.booleans()):
            maximum.append(minimum[i] + draw(st.integers(0, 30)))
        else:
            maximum.append(None)
    capacity = sum(
        (m if w == 0 else (math.inf if h is None else h))
        for w, m, h in zip(weights, minimum, maximum, strict=True)
    )
    low = sum(minimum)
    high = int(min(capacity, low + 200))
    total = draw(st.integers(low, high))
    return {
        "regions": _names(n),
        "weights": weights,
        "total": total,
        "minimum": minimum,
        "maximum": maximum,
    }


def _ranges(method: str, case: dict):
    return seat_range(
        case["regions"],
        case["weights"],
        case["total"],
        method,
        minimum=case["minimum"],
        maximum=case["maximum"],
    )


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=80, deadline=None)
@given(case=instances())
def test_sum_and_bounds(method: str, case: dict) -> None:
    result = apportion(
        case["regions"],
        case["weights"],
        case["total"],
        method,
        minimum=case["minimum"],
        maximum=case["maximum"],
        ties="lot",
        seed=7,
    )
    assert sum(result.seats) == case["total"]
    for seats, weight, low, high in zip(
        result.seats, case["weights"], case["minimum"], case["maximum"], strict=True
    ):
        assert seats >= low
        assert high is None or seats <= high
        if weight == 0:
            assert seats == low


def _signpost_reached(method: str, k: int, x: Fraction) -> bool:
    # Written out again here, independently of the implementation, from the textbook signposts.
    if method == "jefferson":
        return x >= k + 1
    if method == "adams":
        return x >= k
    if method == "webster":
        return x >= k + Fraction(1, 2)
    if method == "dean":
        return k == 0 or x >= Fraction(2 * k * (k + 1), 2 * k + 1)
    return x * x >= k * (k + 1)


@pytest.mark.parametrize("method", DIVISOR_METHODS)
@settings(max_examples=80, deadline=None)
@given(case=instances())
def test_divisor_result_is_a_bounded_divisor_rounding(method: str, case: dict) -> None:
    """BAZI's definition: some divisor D gives sum(clip(round(w / D), min, max)) == total."""
    result = _ranges(method, case)
    assume(result.tie is None)
    if method in ("adams", "dean", "huntington-hill"):
        # With fewer seats than regions no finite divisor exists (d(0) = 0 gives every region a
        # first seat); first seats then go by weight, which is tested elsewhere.
        assume(
            all(
                w == 0 or seats > 0 or mx == 0
                for w, seats, mx in zip(case["weights"], result.low, case["maximum"], strict=True)
            )
        )
    full = apportion(
        case["regions"],
        case["weights"],
        case["total"],
        method,
        minimum=case["minimum"],
        maximum=case["maximum"],
    )
    given_seats = [p for p in full.last_priority if p is not None]
    waiting = [p for p in full.next_priority if p is not None]
    low = max(waiting) if waiting else Fraction(0)
    high = min(given_seats) if given_seats else low + 1000
    # Any D strictly inside (low, high] works; for Huntington-Hill the bounds are squared.
    squared_divisor = (low + high) / 2
    for w, seats, mn, mx in zip(
        case["weights"], result.low, case["minimum"], case["maximum"], strict=True
    ):
        if w == 0:
            assert seats == mn
            continue
        if method == "huntington-hill":
            reached = sum(1 for k in range(seats + 2) if w * w >= k * (k + 1) * squared_divisor)
        else:
            x = w / squared_divisor
            reached = sum(1 for k in range(seats + 2) if _signpost_reached(method, k, x))
        clipped = max(mn, reached if mx is None else min(reached, mx))
        assert clipped == seats


@settings(max_examples=150, deadline=None)
@given(case=instances())
def test_hamilton_satisfies_quota_rule(case: dict) -> None:
    full = apportion(
        case["regions"],
        case["weights"],
        case["total"],
        "hamilton",
        minimum=case["minimum"],
        maximum=case["maximum"],
        ties="lot",
        seed=1,
    )
    for seats, quota in zip(full.seats, full.bounded_quotas, strict=True):
        assert math.floor(quota) <= seats <= math.ceil(quota)
    if not any(case["minimum"]) and all(m is None for m in case["maximum"]):
        assert full.bounded_quotas == full.standard_quotas
    assert sum(full.bounded_quotas) == case["total"]


@pytest.mark.parametrize("method", DIVISOR_METHODS)
@settings(max_examples=60, deadline=None)
@given(case=instances())
def test_divisor_methods_are_house_monotone(method: str, case: dict) -> None:
    before = _ranges(method, case)
    bigger = dict(case, total=case["total"] + 1)
    try:
        after = _ranges(method, bigger)
    except InfeasibleError:
        return
    for i in range(len(case["regions"])):
        assert after.high[i] >= before.low[i]
    # with no tie on either side the step gives exactly one region one more seat
    if before.tie is None and after.tie is None:
        assert sum(after.low) - sum(before.low) == 1
        assert all(a >= b for a, b in zip(after.low, before.low, strict=True))


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=40, deadline=None)
@given(case=instances(), scale=st.sampled_from([Fraction(3), Fraction(1, 7), Fraction(1000)]))
def test_same_input_same_output_and_scale_free(method: str, case: dict, scale: Fraction) -> None:
    first = _ranges(method, case)
    again = _ranges(method, case)
    scaled = _ranges(method, dict(case, weights=[w * scale for w in case["weights"]]))
    assert first == again
    assert (first.low, first.high) == (scaled.low, scaled.high)


# ---------------------------------------------------------------------------------------------
# ties


def test_tie_error_names_regions_and_seats() -> None:
    # Jefferson: 7.2 / 3 == 2.4 / 1, so the next seat is wanted equally by both.
    with pytest.raises(ApportionmentTieError) as caught:
        apportion(["big", "small", "other"], ["7.2", "2.4", "1"], 3, "jefferson")
    message = str(caught.value)
    assert "big" in message and "small" in message and "--ties lot" in message
    assert caught.value.tie.seats == 1


def test_lot_is_deterministic_and_seed_dependent() -> None:
    regions = [f"C{i}" for i in range(8)]
    outcomes = set()
    for seed in range(20):
        first = apportion(regions, [1] * 8, 3, "webster", ties="lot", seed=seed)
        second = apportion(list(reversed(regions)), [1] * 8, 3, "webster", ties="lot", seed=seed)
        assert first.as_dict() == second.as_dict()  # the draw does not depend on input order
        assert sum(first.seats) == 3 and len(first.lot_winners) == 3
        outcomes.add(first.lot_winners)
    assert len(outcomes) > 1


def test_draw_lots_rule_is_sha256_ticket() -> None:
    import hashlib

    tie = apportion(["a", "b", "c"], [1, 1, 1], 1, "hamilton", ties="lot", seed=42).tie
    assert tie is not None
    tickets = {r: hashlib.sha256(f"42:{r}".encode()).hexdigest() for r in "abc"}
    assert draw_lots(tie, 42) == (min(tickets, key=tickets.__getitem__),)


def test_lot_needs_seed() -> None:
    with pytest.raises(ApportionmentParameterError, match="seed"):
        apportion(["a", "b"], [1, 1], 1, "webster", ties="lot")


# ---------------------------------------------------------------------------------------------
# parameters and infeasibility


def test_aliases_resolve() -> None:
    assert resolve_method("D'Hondt") == "jefferson"
    assert resolve_method("Sainte_Lague") == "webster"
    assert resolve_method("largest-remainder") == "hamilton"
    assert resolve_method("HILL") == "huntington-hill"
    with pytest.raises(ApportionmentParameterError, match="Got 'borda' instead"):
        resolve_method("borda")


def test_floats_are_refused() -> None:
    with pytest.raises(ApportionmentParameterError, match="floats"):
        apportion(["a"], [0.1], 1, "webster")  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("weights", "total", "minimum", "maximum", "match"),
    [
        ([1, 1], 3, [2, 2], None, "sum of minimums"),
        ([1, 1], 5, None, [2, 2], "sum of maximums"),
        ([1, 0], 3, None, [2, None], "sum of maximums"),  # zero weight only takes its minimum
    ],
)
def test_infeasible_bounds(weights, total, minimum, maximum, match) -> None:
    with pytest.raises(InfeasibleError, match=match) as caught:
        apportion(["a", "b"], weights, total, "webster", minimum=minimum, maximum=maximum)
    assert caught.value.shortfalls


def test_zero_total_and_single_region() -> None:
    assert apportion(["a", "b"], [3, 1], 0, "adams").seats == (0, 0)
    assert apportion(["a"], ["0.5"], 30000, "dean").seats == (30000,)


def test_exact_decimal_weights_decide() -> None:
    # 0.1 + 0.2 vs 0.3: in floats 0.3 < 0.1 + 0.2, exactly they are equal -> a tie, not a win.
    with pytest.raises(ApportionmentTieError):
        apportion(["x", "y"], ["0.3", "0.3"], 1, "webster")
    result = apportion(["x", "y", "z"], ["0.1", "0.2", "0.3"], 6, "hamilton")
    assert result.seats == (1, 2, 3)
