"""Paradox audit: does raising the total ever take a seat away (the Alabama paradox)?

A method is *house monotone* when adding seats never costs a region one. Divisor methods are
(also with bounds: their seats are the top priorities of one fixed list); Hamilton is not. The
audit checks consecutive totals, which is enough: a loss between ``t`` and ``t + k`` implies a loss
at some step ``t + j -> t + j + 1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from matcher.errors import InfeasibleError
from matcher.quotas.methods import Method, SeatRange, resolve_method, seat_range


@dataclass(frozen=True)
class AlabamaViolation:
    """``region`` had ``seats_before`` at ``total_before``, only ``seats_after`` one seat later."""

    region: str
    total_before: int
    total_after: int
    seats_before: int
    seats_after: int

    def __str__(self) -> str:
        return (
            f"{self.region} loses a seat when the total rises from {self.total_before} to "
            f"{self.total_after} ({self.seats_before} -> {self.seats_after})"
        )


@dataclass(frozen=True)
class MonotonicityAudit:
    """The totals checked (``first`` .. ``last``), violations found and totals left tied.

    A total whose bounds cannot be met ends the audit early; ``last`` is then the last total that
    could be apportioned.
    """

    method: Method
    first: int
    last: int
    violations: tuple[AlabamaViolation, ...]
    tied_totals: tuple[int, ...]

    @property
    def house_monotone(self) -> bool:
        """True when no violation was found in the range checked."""
        return not self.violations


def audit_house_monotonicity(
    regions: Sequence[str],
    weights: Sequence[Fraction | int | str],
    total: int,
    method: str,
    *,
    steps: int = 10,
    minimum: Sequence[int] | None = None,
    maximum: Sequence[int | None] | None = None,
) -> MonotonicityAudit:
    """Check that totals ``total, total + 1, ..., total + steps`` never take a seat from a region.

    Ties are left open, never drawn: a region counts as losing a seat only when every way of
    breaking the ties gives it fewer seats after the step than it surely had before.

    Parameters
    ----------
    regions, weights, minimum, maximum
        As for :func:`~matcher.quotas.methods.apportion`.
    total : int
        First total checked.
    method : str
        Method name or alias.
    steps : int
        How many one-seat raises to check (``>= 1``).

    Returns
    -------
    MonotonicityAudit
    """
    canonical = resolve_method(method)
    if steps < 1:
        raise ValueError(f"The 'steps' parameter must be an int >= 1. Got {steps!r} instead.")
    previous = seat_range(regions, weights, total, canonical, minimum=minimum, maximum=maximum)
    violations: list[AlabamaViolation] = []
    tied = [total] if previous.tie is not None else []
    last = total
    for current_total in range(total + 1, total + steps + 1):
        try:
            current: SeatRange = seat_range(
                regions, weights, current_total, canonical, minimum=minimum, maximum=maximum
            )
        except InfeasibleError:
            break  # the maximums cannot hold more seats: nothing left to audit
        if current.tie is not None:
            tied.append(current_total)
        for i, region in enumerate(previous.regions):
            if current.high[i] < previous.low[i]:
                violations.append(
                    AlabamaViolation(
                        region, current_total - 1, current_total, previous.low[i], current.high[i]
                    )
                )
        previous = current
        last = current_total
    return MonotonicityAudit(canonical, total, last, tuple(violations), tuple(tied))
