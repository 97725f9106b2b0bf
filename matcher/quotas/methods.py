"""Exact apportionment methods with per-region bounds.

Every seat decision is made with integers and :class:`fractions.Fraction`, never floats, so a
result does not depend on floating-point rounding and genuine ties are seen as ties.

Divisor methods (Jefferson, Webster, Adams, Dean, Huntington-Hill) are described by their
*signposts* ``d(k)``: a region with weight ``w`` reaches ``k + 1`` seats at divisor ``D`` when
``w / D >= d(k)``. With bounds, the method is the *bounded divisor method* (as in BAZI): find a
divisor ``D`` with ``sum(clip(round(w / D), min, max)) == total``. Equivalently, the seats above
each region's minimum go, one at a time, to the highest *priorities* ``w / d(k)`` among regions
still below their maximum; that is how they are computed here.

Hamilton (largest remainder) with bounds first finds the *bounded quota* ``q* = clip(lam * w,
min, max)`` whose sum is the total (water filling; ``lam = total / sum(w)`` when no bound binds,
so ``q*`` is then the standard quota), gives every region ``floor(q*)`` and the remaining seats to
the largest remainders ``q* - floor(q*)``.

Regions with zero weight receive exactly their minimum. When several regions compete for the
last seat(s) with equal priority (or remainder), the result is a :class:`Tie`: it is an error
unless the caller asks to draw lots (``ties="lot"`` with a ``seed``); see :func:`draw_lots`.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, TypeAlias

from matcher.errors import InfeasibleError, MatcherError, Shortfall

Method: TypeAlias = Literal["hamilton", "jefferson", "webster", "adams", "dean", "huntington-hill"]
TieRule: TypeAlias = Literal["error", "lot"]

#: Every method, in the order tables and comparisons list them.
METHODS: tuple[Method, ...] = (
    "hamilton",
    "jefferson",
    "webster",
    "adams",
    "dean",
    "huntington-hill",
)
DIVISOR_METHODS: tuple[Method, ...] = METHODS[1:]

#: Other names people use for the same methods (matched case-insensitively, ``_`` = ``-``).
ALIASES: dict[str, Method] = {
    "largest-remainder": "hamilton",
    "largest-remainders": "hamilton",
    "hare-niemeyer": "hamilton",
    "lrm": "hamilton",
    "dhondt": "jefferson",
    "d'hondt": "jefferson",
    "d-hondt": "jefferson",
    "greatest-divisors": "jefferson",
    "sainte-lague": "webster",
    "saintelague": "webster",
    "sainte-laguë": "webster",
    "major-fractions": "webster",
    "smallest-divisors": "adams",
    "harmonic-mean": "dean",
    "hill": "huntington-hill",
    "huntington": "huntington-hill",
    "equal-proportions": "huntington-hill",
}


class ApportionmentParameterError(MatcherError, ValueError):
    """A parameter of an apportionment call is invalid (unknown method, negative total, ...)."""

    exit_code = 2


class ApportionmentTieError(MatcherError):
    """The method leaves the last seat(s) tied; names the tied regions and the seats at stake."""

    exit_code = 3

    def __init__(self, method: Method, tie: Tie) -> None:
        self.method = method
        self.tie = tie
        super().__init__(
            f"{method}: {tie.seats} seat(s) tied between regions {', '.join(tie.regions)} "
            f"({tie.basis} {float(tie.value):.6g} each); rerun with --ties lot --seed N to draw "
            "lots, or change the weights or total"
        )


@dataclass(frozen=True)
class Tie:
    """Seats the method cannot assign: ``seats`` of them, wanted equally by ``regions``.

    ``value`` is the tied priority (divisor methods; for Huntington-Hill its square) or remainder
    (Hamilton) and ``basis`` says which.
    """

    seats: int
    regions: tuple[str, ...]
    value: Fraction
    basis: Literal["priority", "priority squared", "remainder"]


@dataclass(frozen=True)
class Apportionment:
    """The seats of every region and the exact figures that decided them.

    Sequences are aligned with ``regions`` (input order). ``last_priority`` / ``next_priority``
    (divisor methods) are the priorities ``w / d(k)`` of the region's last seat above its minimum
    and of the seat it would get next (``None`` when there is none); for Huntington-Hill they are
    squared. ``remainders`` (Hamilton) are ``q* - floor(q*)``. ``tie`` is the tie that was broken
    by lot, if any, and ``lot_winners`` the regions that won it.
    """

    method: Method
    total: int
    regions: tuple[str, ...]
    weights: tuple[Fraction, ...]
    minimum: tuple[int, ...]
    maximum: tuple[int | None, ...]
    seats: tuple[int, ...]
    standard_quotas: tuple[Fraction, ...]
    bounded_quotas: tuple[Fraction, ...]
    last_priority: tuple[Fraction | None, ...] | None
    next_priority: tuple[Fraction | None, ...] | None
    remainders: tuple[Fraction, ...] | None
    tie: Tie | None = None
    lot_winners: tuple[str, ...] = ()
    seed: int | None = None

    def as_dict(self) -> dict[str, int]:
        """Seats by region."""
        return dict(zip(self.regions, self.seats, strict=True))


@dataclass(frozen=True)
class SeatRange:
    """What a method gives each region when a tie is left open: ``low[i] <= seats <= high[i]``."""

    method: Method
    regions: tuple[str, ...]
    low: tuple[int, ...]
    high: tuple[int, ...]
    tie: Tie | None


# ---------------------------------------------------------------------------------------------
# parameters


def resolve_method(name: str) -> Method:
    """The canonical method for ``name`` or an alias of it (``dhondt``, ``sainte-lague``, ...).

    Raises
    ------
    ApportionmentParameterError
        If the name is not a known method or alias.
    """
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    for method in METHODS:
        if key == method:
            return method
    if key in ALIASES:
        return ALIASES[key]
    known = ", ".join([*METHODS, *sorted(ALIASES)])
    raise ApportionmentParameterError(
        f"The 'method' parameter of apportion must be one of {known}. Got {name!r} instead."
    )


def _as_fraction(value: Fraction | int | str) -> Fraction:
    # Floats are refused on purpose: their binary value is not the decimal the user wrote.
    if isinstance(value, bool) or not isinstance(value, Fraction | int | str):
        raise ApportionmentParameterError(
            "Weights must be Fraction, int or decimal text (floats are inexact). "
            f"Got {value!r} instead."
        )
    return Fraction(value)


def _check_inputs(
    regions: Sequence[str],
    weights: Sequence[Fraction],
    total: int,
    minimum: Sequence[int],
    maximum: Sequence[int | None],
) -> None:
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise ApportionmentParameterError(
            f"The 'total' parameter of apportion must be an int >= 0. Got {total!r} instead."
        )
    n = len(regions)
    if not (len(weights) == len(minimum) == len(maximum) == n):
        raise ApportionmentParameterError("regions, weights, minimum and maximum differ in length")
    if len(set(regions)) != n:
        raise ApportionmentParameterError("region names must be unique")
    if n == 0:
        raise ApportionmentParameterError("there must be at least one region")
    for region, weight, low, high in zip(regions, weights, minimum, maximum, strict=True):
        if weight < 0:
            raise ApportionmentParameterError(f"weight of region {region} is negative: {weight}")
        if low < 0 or (high is not None and high < low):
            raise ApportionmentParameterError(
                f"bounds of region {region} must satisfy 0 <= min <= max; got {low}..{high}"
            )
    if sum(weights) == 0:
        raise ApportionmentParameterError("the weights sum to zero: there is no need to apportion")
    effective_max = [
        low if w == 0 else high for w, low, high in zip(weights, minimum, maximum, strict=True)
    ]
    shortfalls = []
    if sum(minimum) > total:
        shortfalls.append(
            Shortfall(
                "bounds",
                "sum of minimums",
                required=sum(minimum),
                achievable=total,
                detail="the minimums ask for more seats than the total",
            )
        )
    if all(high is not None for high in effective_max):
        capacity = sum(high for high in effective_max if high is not None)
        if capacity < total:
            shortfalls.append(
                Shortfall(
                    "bounds",
                    "sum of maximums",
                    required=total,
                    achievable=capacity,
                    detail="the maximums (zero-weight regions count at their minimum) "
                    "leave seats nobody may take",
                )
            )
    if shortfalls:
        raise InfeasibleError(f"bounds cannot be met with a total of {total}", shortfalls)


# ---------------------------------------------------------------------------------------------
# divisor methods: signposts and priorities

# A priority is compared as (rank, value): rank 1 = infinite (signpost 0, compared by weight),
# rank 0 = finite w / d(k) (for Huntington-Hill: w**2 / d(k)**2, to stay rational).
_Priority: TypeAlias = tuple[int, Fraction]


def _reaches(method: Method, k: int, x: Fraction) -> bool:
    """Whether quotient ``x = w / D`` reaches signpost ``d(k)``, i.e. earns seat ``k + 1``."""
    if method == "jefferson":
        return x >= k + 1
    if method == "adams":
        return x >= k
    if method == "webster":
        return x >= k + Fraction(1, 2)
    if method == "dean":
        return x * (2 * k + 1) >= 2 * k * (k + 1)
    return x * x >= k * (k + 1)  # huntington-hill: the geometric mean sqrt(k(k+1))


def _rounded(method: Method, x: Fraction) -> int:
    """Seats at quotient ``x``: how many signposts ``d(0), d(1), ...`` are at most ``x``."""
    # Every signpost d(k) lies in [k, k+1], so only d(floor(x)) needs checking.
    whole = math.floor(x)
    return whole + (1 if _reaches(method, whole, x) else 0)


def _priority(method: Method, weight: Fraction, k: int) -> _Priority:
    """Priority ``w / d(k)`` of the seat that takes a region from ``k`` to ``k + 1`` seats."""
    if method == "jefferson":
        return (0, weight / (k + 1))
    if method == "webster":
        return (0, weight / (k + Fraction(1, 2)))
    if k == 0:  # adams, dean, huntington-hill: d(0) = 0, the first seat comes first
        return (1, weight)
    if method == "adams":
        return (0, weight / k)
    if method == "dean":
        return (0, weight * (2 * k + 1) / (2 * k * (k + 1)))
    return (0, weight * weight / (k * (k + 1)))


@dataclass
class _Solved:
    low: list[int]  # seats each region surely has (contested seats not included)
    tie: Tie | None
    tied_index: list[int]  # indexes of the tied regions, input order
    last: list[Fraction | None] | None = None
    next: list[Fraction | None] | None = None
    remainders: list[Fraction] | None = None
    bounded_quotas: list[Fraction] | None = None


def _solve_divisor(
    method: Method,
    regions: Sequence[str],
    weights: Sequence[Fraction],
    total: int,
    minimum: Sequence[int],
    maximum: Sequence[int | None],
) -> _Solved:
    n = len(weights)
    weight_sum = sum(weights)
    # Zero-weight regions sit at their minimum: no priority ever earns them a seat.
    cap = [minimum[i] if weights[i] == 0 else maximum[i] for i in range(n)]

    def clip(i: int, seats: int) -> int:
        high = cap[i]
        return max(minimum[i], seats if high is None else min(seats, high))

    # Start from the rounding at the "natural" divisor sum(w) / total: it is already balanced
    # (every awarded priority >= every next priority), so few seats need moving afterwards.
    seats = [
        clip(i, 0 if weights[i] == 0 else _rounded(method, weights[i] * total / weight_sum))
        for i in range(n)
    ]

    def can_gain(i: int) -> bool:
        high = cap[i]
        return high is None or seats[i] < high

    def can_lose(i: int) -> bool:
        return seats[i] > minimum[i]

    missing = total - sum(seats)
    if missing > 0:
        gains = [
            (_neg(_priority(method, weights[i], seats[i])), i) for i in range(n) if can_gain(i)
        ]
        heapq.heapify(gains)
        for _ in range(missing):
            _, i = heapq.heappop(gains)
            seats[i] += 1
            if can_gain(i):
                heapq.heappush(gains, (_neg(_priority(method, weights[i], seats[i])), i))
    elif missing < 0:
        losses = [(_priority(method, weights[i], seats[i] - 1), i) for i in range(n) if can_lose(i)]
        heapq.heapify(losses)
        for _ in range(-missing):
            _, i = heapq.heappop(losses)
            seats[i] -= 1
            if can_lose(i):
                heapq.heappush(losses, (_priority(method, weights[i], seats[i] - 1), i))

    last: list[_Priority | None] = [
        _priority(method, weights[i], seats[i] - 1) if can_lose(i) else None for i in range(n)
    ]
    nxt: list[_Priority | None] = [
        _priority(method, weights[i], seats[i]) if can_gain(i) else None for i in range(n)
    ]
    awarded = [p for p in last if p is not None]
    waiting = [p for p in nxt if p is not None]
    tie: Tie | None = None
    tied: list[int] = []
    if awarded and waiting and min(awarded) == max(waiting):
        cutoff = min(awarded)
        holders = [i for i in range(n) if last[i] == cutoff]
        tied = [i for i in range(n) if last[i] == cutoff or nxt[i] == cutoff]
        for i in holders:
            seats[i] -= 1
        rank, value = cutoff
        basis: Literal["priority", "priority squared"] = (
            "priority squared" if method == "huntington-hill" and rank == 0 else "priority"
        )
        tie = Tie(len(holders), tuple(regions[i] for i in tied), value, basis)
    return _Solved(
        low=seats,
        tie=tie,
        tied_index=tied,
        last=[_finite(p) for p in last],
        next=[_finite(p) for p in nxt],
    )


def _neg(priority: _Priority) -> _Priority:
    return (-priority[0], -priority[1])


def _finite(priority: _Priority | None) -> Fraction | None:
    # An infinite priority (a first seat under d(0) = 0) has no finite divisor to show.
    if priority is None or priority[0] == 1:
        return None
    return priority[1]


# ---------------------------------------------------------------------------------------------
# Hamilton


def bounded_quotas(
    weights: Sequence[Fraction],
    total: int,
    minimum: Sequence[int],
    maximum: Sequence[int | None],
) -> list[Fraction]:
    """The exact quotas ``clip(lam * w, min, max)`` that sum to ``total`` (water filling).

    Without binding bounds this is the standard quota ``w * total / sum(w)``. Zero-weight regions
    get their minimum. Bounds must be feasible (see :func:`apportion`).
    """
    n = len(weights)
    cap = [minimum[i] if weights[i] == 0 else maximum[i] for i in range(n)]

    def quotas_at(lam: Fraction) -> list[Fraction]:
        out = []
        for i in range(n):
            q = max(Fraction(minimum[i]), lam * weights[i])
            high = cap[i]
            out.append(q if high is None else min(q, Fraction(high)))
        return out

    # f(lam) = sum of clipped quotas is piecewise linear and non-decreasing; its kinks are where
    # a region leaves its minimum or reaches its maximum. Find the last kink with f <= total,
    # then solve the linear piece after it exactly.
    kinks = {Fraction(0)}
    for i in range(n):
        if weights[i] > 0:
            kinks.add(Fraction(minimum[i]) / weights[i])
            high = cap[i]
            if high is not None:
                kinks.add(Fraction(high) / weights[i])
    ordered = sorted(kinks)
    low, high_index = 0, len(ordered) - 1
    while low < high_index:  # largest index with f(kink) <= total; f(0) = sum(min) <= total
        mid = (low + high_index + 1) // 2
        if sum(quotas_at(ordered[mid])) <= total:
            low = mid
        else:
            high_index = mid - 1
    start = ordered[low]
    base = quotas_at(start)
    gap = total - sum(base)
    if gap == 0:
        return base
    # Regions free to grow just after ``start``: past their minimum and below their maximum.
    slope = Fraction(0)
    for i in range(n):
        high = cap[i]
        level = start * weights[i]
        if weights[i] > 0 and level >= minimum[i] and (high is None or level < high):
            slope += weights[i]
    return quotas_at(start + gap / slope)


def _solve_hamilton(
    regions: Sequence[str],
    weights: Sequence[Fraction],
    total: int,
    minimum: Sequence[int],
    maximum: Sequence[int | None],
) -> _Solved:
    quotas = bounded_quotas(weights, total, minimum, maximum)
    seats = [math.floor(q) for q in quotas]
    remainders = [q - s for q, s in zip(quotas, seats, strict=True)]
    extra = total - sum(seats)
    tie: Tie | None = None
    tied: list[int] = []
    if extra > 0:
        # Sum of remainders == extra and each is < 1, so more than ``extra`` are positive: the
        # cutoff is positive and regions sitting exactly at a bound never get an extra seat.
        order = sorted(range(len(seats)), key=lambda i: remainders[i], reverse=True)
        cutoff = remainders[order[extra - 1]]
        if remainders[order[extra]] == cutoff:
            tied = [i for i in range(len(seats)) if remainders[i] == cutoff]
            contested = sum(1 for i in order[:extra] if remainders[i] == cutoff)
            for i in order[:extra]:
                if remainders[i] != cutoff:
                    seats[i] += 1
            tie = Tie(contested, tuple(regions[i] for i in tied), cutoff, "remainder")
        else:
            for i in order[:extra]:
                seats[i] += 1
    return _Solved(
        low=seats, tie=tie, tied_index=tied, remainders=remainders, bounded_quotas=quotas
    )


# ---------------------------------------------------------------------------------------------
# public entry points


def draw_lots(tie: Tie, seed: int) -> tuple[str, ...]:
    """The regions that win a tie by lot: deterministic for a given ``seed``.

    Rule: each tied region gets the ticket ``sha256(f"{seed}:{region}")`` (hex digest); the
    ``tie.seats`` regions with the smallest tickets win. The draw depends only on the seed and the
    region names, not on their order, the method or the Python version, so anyone can re-check it.
    """
    tickets = sorted(tie.regions, key=lambda r: hashlib.sha256(f"{seed}:{r}".encode()).hexdigest())
    winners = set(tickets[: tie.seats])
    return tuple(r for r in tie.regions if r in winners)


def _normalise(
    regions: Sequence[str],
    weights: Sequence[Fraction | int | str],
    minimum: Sequence[int] | None,
    maximum: Sequence[int | None] | None,
) -> tuple[list[str], list[Fraction], list[int], list[int | None]]:
    names = [str(r) for r in regions]
    exact = [_as_fraction(w) for w in weights]
    lows = [0] * len(names) if minimum is None else [int(v) for v in minimum]
    highs: list[int | None] = (
        [None] * len(names) if maximum is None else [None if v is None else int(v) for v in maximum]
    )
    return names, exact, lows, highs


def _solve(
    method: Method,
    regions: list[str],
    weights: list[Fraction],
    total: int,
    minimum: list[int],
    maximum: list[int | None],
) -> _Solved:
    _check_inputs(regions, weights, total, minimum, maximum)
    if method == "hamilton":
        return _solve_hamilton(regions, weights, total, minimum, maximum)
    return _solve_divisor(method, regions, weights, total, minimum, maximum)


def apportion(
    regions: Sequence[str],
    weights: Sequence[Fraction | int | str],
    total: int,
    method: str = "webster",
    *,
    minimum: Sequence[int] | None = None,
    maximum: Sequence[int | None] | None = None,
    ties: TieRule = "error",
    seed: int | None = None,
) -> Apportionment:
    """Apportion ``total`` seats among ``regions`` in proportion to ``weights``, within bounds.

    Parameters
    ----------
    regions : sequence of str
        Unique region names (e.g. city codes), in the order results are reported.
    weights : sequence of Fraction, int or decimal str
        Non-negative need of each region; floats are refused (convert via their text).
    total : int
        Seats to apportion.
    method : str
        One of :data:`METHODS` or an alias in :data:`ALIASES`.
    minimum, maximum : sequence of int (``None`` in ``maximum`` = no maximum), optional
        Per-region bounds on the seats.
    ties : {"error", "lot"}
        What to do when the last seat(s) are tied: raise :class:`ApportionmentTieError`, or draw
        lots with :func:`draw_lots` (needs ``seed``).
    seed : int, optional
        Seed of the lot.

    Returns
    -------
    Apportionment
        Seats and the exact figures that decided them.

    Raises
    ------
    ApportionmentParameterError
        Unknown method, negative weight or total, weights summing to zero, malformed bounds.
    InfeasibleError
        The minimums exceed the total, or the maximums cannot hold it.
    ApportionmentTieError
        A tie, when ``ties="error"``.
    """
    canonical = resolve_method(method)
    if ties not in ("error", "lot"):
        raise ApportionmentParameterError(
            f"The 'ties' parameter of apportion must be 'error' or 'lot'. Got {ties!r} instead."
        )
    if ties == "lot" and seed is None:
        raise ApportionmentParameterError("ties='lot' needs a seed (--seed N) so the draw repeats")
    names, exact, lows, highs = _normalise(regions, weights, minimum, maximum)
    solved = _solve(canonical, names, exact, total, lows, highs)
    seats = list(solved.low)
    winners: tuple[str, ...] = ()
    if solved.tie is not None:
        if ties == "error":
            raise ApportionmentTieError(canonical, solved.tie)
        assert seed is not None
        winners = draw_lots(solved.tie, seed)
        for i in solved.tied_index:
            if names[i] in winners:
                seats[i] += 1
    weight_sum = sum(exact)
    standard = [w * total / weight_sum for w in exact]
    bounded = (
        solved.bounded_quotas
        if solved.bounded_quotas is not None
        else bounded_quotas(exact, total, lows, highs)
    )
    return Apportionment(
        method=canonical,
        total=total,
        regions=tuple(names),
        weights=tuple(exact),
        minimum=tuple(lows),
        maximum=tuple(highs),
        seats=tuple(seats),
        standard_quotas=tuple(standard),
        bounded_quotas=tuple(bounded),
        last_priority=None if solved.last is None else tuple(solved.last),
        next_priority=None if solved.next is None else tuple(solved.next),
        remainders=None if solved.remainders is None else tuple(solved.remainders),
        tie=solved.tie,
        lot_winners=winners,
        seed=seed if solved.tie is not None else None,
    )


def seat_range(
    regions: Sequence[str],
    weights: Sequence[Fraction | int | str],
    total: int,
    method: str,
    *,
    minimum: Sequence[int] | None = None,
    maximum: Sequence[int | None] | None = None,
) -> SeatRange:
    """Seats of each region with any tie left open: tied regions get ``low`` or ``low + 1``.

    Used by comparisons and the paradox audit, which must not invent a tie-break.
    """
    canonical = resolve_method(method)
    names, exact, lows, highs = _normalise(regions, weights, minimum, maximum)
    solved = _solve(canonical, names, exact, total, lows, highs)
    high = list(solved.low)
    for i in solved.tied_index:
        high[i] += 1
    return SeatRange(canonical, tuple(names), tuple(solved.low), tuple(high), solved.tie)
