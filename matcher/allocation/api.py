"""``allocate``: the one function the CLI, the API service and the benchmarks call.

Order of work: validate and encode the inputs once (:mod:`problem`), run the chosen mechanism on
that encoding (:mod:`flow` for ``optimal`` and :mod:`lexicographic` for ``lexicographic`` when
the constraints form a network, :mod:`groups` for the non-network remainder, :mod:`mechanisms`
for ``stable``/``priority``/``lottery``), verify the result with the independent :mod:`checker`,
then explain it (:mod:`reasons`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping

import numpy as np
import pandas as pd

from matcher.allocation import flow
from matcher.allocation.checker import check_allocation
from matcher.allocation.lexicographic import lexicographic_in_one_solve, solve_lexicographic
from matcher.allocation.mechanisms import deferred_acceptance, serial_dictatorship
from matcher.allocation.problem import (
    POST_ID,
    SEEKER_ID,
    AllocationProblem,
    BoolArray,
    IntArray,
    ReserveOrder,
    ReserveSpec,
    build_problem,
    encode_reserves,
    items,
    truthy,
)
from matcher.allocation.reasons import placed_frame, unplaced_frame
from matcher.allocation.result import MECHANISMS, Allocation, Mechanism
from matcher.errors import InfeasibleError, MatcherError

#: Seconds a general (CP-SAT) solve may take; min-cost flow has no limit (it is polynomial).
DEFAULT_TIME_LIMIT = 60.0


def reserve_spec(
    problem: AllocationProblem, group: str, share: float, order: ReserveOrder
) -> ReserveSpec:
    """Reserve ``floor(share × capacity)`` places of every post for a boolean group column.

    Parameters
    ----------
    problem : AllocationProblem
    group : str
        A boolean (0/1) column of the seekers table, e.g. ``zero_employment``.
    share : float
        Between 0 and 1.
    order : {"reserved_first", "reserved_last"}
        Processing order of reserved and open places (it changes who gets in).
    """
    if not 0.0 <= share <= 1.0:
        raise MatcherError(f"The reserve share must be between 0 and 1. Got {share!r} instead.")
    if group not in problem.seekers.columns:
        raise MatcherError(f"reserve group {group!r} is not a column of the seekers table")
    members = truthy(problem.seekers[group])
    return ReserveSpec(
        group=pd.Series(members, index=pd.Index(problem.seekers[SEEKER_ID])),
        reserved=pd.Series(
            np.floor(problem.post_capacity * share + 1e-9).astype(np.int64),
            index=pd.Index(problem.posts[POST_ID]),
        ),
        order=order,
    )


def allocate(
    seekers: pd.DataFrame,
    posts: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    mechanism: Mechanism = "optimal",
    city_caps: pd.DataFrame | Mapping[str, int] | None = None,
    tier_floors: pd.DataFrame | Mapping[int, int] | None = None,
    group_floors: pd.DataFrame | Mapping[str, int] | None = None,
    families: bool = False,
    one_per_family: bool = False,
    reserves: ReserveSpec | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    check: bool = True,
) -> Allocation:
    """Allocate posts to seekers with the chosen mechanism; validated, checked and explained.

    Parameters
    ----------
    seekers : pandas.DataFrame
        ``seeker_id``; optional ``tier`` (1 = highest priority), ``lottery`` (lower goes first),
        ``family_id``, ``zero_employment`` (0/1) and boolean group columns.
    posts : pandas.DataFrame
        ``post_id``, ``capacity``; optional ``city``.
    candidates : pandas.DataFrame
        ``seeker_id``, ``post_id``, ``score`` (higher is better): the eligible pairs.
    mechanism : {"optimal", "lexicographic", "stable", "priority", "lottery"}
        See ``docs/allocation.md`` for what each guarantees.
    city_caps : DataFrame (``city``, ``cap``) or mapping, optional
        Most placements per city.
    tier_floors : DataFrame (``tier``, ``floor``) or mapping, optional
        Least placements per tier (``optimal`` and ``lexicographic`` only).
    group_floors : DataFrame (``group``, ``floor``) or mapping, optional
        Least placements per boolean group column; groups may overlap (solved with CP-SAT when
        the flow optimum does not already meet them).
    families : bool
        The zero-employment family guarantee of (三十九) (``optimal``/``lexicographic``).
    one_per_family : bool
        At most one member per family (``optimal``/``lexicographic``).
    reserves : ReserveSpec, optional
        Reserved places for a group with a processing order (``stable`` only); see
        :func:`reserve_spec`.
    time_limit : float
        Seconds per general-solver (CP-SAT) solve.
    check : bool
        Verify the result with the independent checker (default; the benchmarks time it too).

    Returns
    -------
    Allocation

    Raises
    ------
    DataValidationError
        Bad input, every problem listed.
    InfeasibleError
        Floors or guarantees that cannot be met, each with its shortfall.
    MatcherError
        A mechanism asked for constraints it cannot honour.
    """
    if mechanism not in MECHANISMS:
        raise MatcherError(
            f"The 'mechanism' parameter of allocate must be one of {MECHANISMS}. "
            f"Got {mechanism!r} instead."
        )
    problem = build_problem(
        seekers,
        posts,
        candidates,
        city_caps=city_caps,
        tier_floors=tier_floors,
        group_floors=group_floors,
        family_guarantee=families,
        one_per_family=one_per_family,
    )
    return allocate_problem(
        problem, mechanism=mechanism, reserves=reserves, time_limit=time_limit, check=check
    )


def constraint_labels(problem: AllocationProblem) -> tuple[str, ...]:
    """The constraints of a problem, in words."""
    labels = ["post capacities", "one post per seeker", "candidate pairs only"]
    if len(problem.city_caps):
        labels.append(f"city caps ({len(problem.city_caps)} cities)")
    if len(problem.tier_floors):
        floors = ", ".join(f"tier {t} ≥ {f}" for t, f in items(problem.tier_floors))
        labels.append(f"tier floors ({floors})")
    if len(problem.group_floors):
        floors = ", ".join(f"{g} ≥ {f}" for g, f in items(problem.group_floors))
        labels.append(f"group floors ({floors})")
    if problem.family_guarantee:
        labels.append(
            f"zero-employment family guarantee (三十九, {len(problem.guaranteed_families())} "
            "families)"
        )
    if problem.one_per_family:
        labels.append("at most one member per family")
    return tuple(labels)


def _reject(mechanism: str, problem: AllocationProblem, *, allow_city_caps: bool) -> None:
    """Matching mechanisms cannot honour floors or guarantees: say so instead of ignoring them."""
    unsupported = []
    if len(problem.tier_floors) and int(problem.tier_floors.sum()) > 0:
        unsupported.append("tier floors")
    if len(problem.group_floors) and int(problem.group_floors.sum()) > 0:
        unsupported.append("group floors")
    if problem.family_guarantee:
        unsupported.append("the family guarantee")
    if problem.one_per_family:
        unsupported.append("at most one per family")
    if unsupported:
        why = (
            "stability and floors conflict: a floor can force a placement that some "
            "higher-priority seeker justifiably envies; use reserves with 'stable' "
            "(--reserve-group), or 'optimal'/'lexicographic'"
            if mechanism == "stable"
            else "a serial dictatorship takes each seeker's best remaining post and cannot "
            "hold places back; use 'optimal' or 'lexicographic'"
        )
        raise MatcherError(
            f"mechanism {mechanism!r} does not support {', '.join(unsupported)}: {why}"
        )
    if len(problem.city_caps) and not allow_city_caps:
        raise MatcherError(
            f"mechanism {mechanism!r} does not support city caps: deferred acceptance here has "
            "no city-level choice function; use 'priority' (serial dictatorship with city caps) "
            "or 'optimal'/'lexicographic'"
        )


def allocate_problem(
    problem: AllocationProblem,
    *,
    mechanism: Mechanism = "optimal",
    reserves: ReserveSpec | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    check: bool = True,
) -> Allocation:
    """:func:`allocate` on an already validated :class:`AllocationProblem`."""
    if reserves is not None and mechanism != "stable":
        raise MatcherError(f"reserves apply to the 'stable' mechanism only, not {mechanism!r}")
    notes: list[str] = []
    reserved_seat: BoolArray | None = None  # per chosen arc, with reserves
    start = time.perf_counter()
    if mechanism in ("optimal", "lexicographic"):
        solution = _solve_network_or_general(
            problem, lexicographic=mechanism == "lexicographic", time_limit=time_limit
        )
        chosen, status = solution.chosen, solution.status
        notes += solution.notes
        notes.append(
            f"build {solution.build_seconds:.3f} s, solve {solution.solve_seconds:.3f} s, "
            f"{solution.solves} solve(s)"
        )
    else:
        if mechanism == "stable":
            _reject(mechanism, problem, allow_city_caps=False)
            matching = deferred_acceptance(
                problem, reserves=None if reserves is None else encode_reserves(problem, reserves)
            )
        else:
            _reject(mechanism, problem, allow_city_caps=True)
            matching = serial_dictatorship(problem, use_tier=mechanism == "priority")
        chosen, status, reserved_seat = matching.chosen, "complete", matching.reserved_seat
    solver_seconds = time.perf_counter() - start

    assignments = placed_frame(problem, chosen, mechanism, reserved_seat=reserved_seat)
    if check:
        _check(problem, assignments)
    return Allocation(
        assignments=assignments,
        unplaced=unplaced_frame(problem, chosen, mechanism),
        status=status,
        objective=float(problem.cand_score[chosen].sum()),
        solver_seconds=solver_seconds,
        mechanism=mechanism,
        constraints=constraint_labels(problem)
        + ((_reserve_label(reserves),) if reserves is not None else ()),
        processing_order=None if reserves is None else reserves.order,
        notes=tuple(notes),
    )


def _check(problem: AllocationProblem, assignments: pd.DataFrame) -> None:
    """Run the independent checker on the user's frames (not the solver's encoding)."""
    guarantee = problem.family_guarantee
    check_allocation(
        assignments,
        problem.seekers,
        problem.posts,
        problem.candidates,
        city_caps=dict(items(problem.city_caps)),
        tier_floors=dict(items(problem.tier_floors)),
        group_floors=dict(items(problem.group_floors)),
        family_guarantee=guarantee,
        one_per_family=problem.one_per_family,
    )


def _solve_network_or_general(
    problem: AllocationProblem, *, lexicographic: bool, time_limit: float
) -> flow.FlowSolution:
    """Min-cost flow when the constraints form a network; otherwise the flow relaxation first,
    and CP-SAT only if the relaxation breaks a group floor."""
    from matcher.allocation import groups

    solve = solve_lexicographic if lexicographic else flow.solve_optimal
    # Lexicographic needs tier nodes only when it cannot be one weighted solve (tier floors
    # always need them); families spanning tiers stay a network otherwise.
    has_tier_nodes = bool(len(problem.tier_floors)) or (
        lexicographic and not lexicographic_in_one_solve(problem)
    )
    if flow.network_fits(problem, tier_nodes=has_tier_nodes):
        return solve(problem)
    hint: IntArray | None = None
    if len(problem.group_floors):
        relaxed = dataclasses.replace(problem, group_floors=problem.group_floors.iloc[:0])
        if flow.network_fits(relaxed, tier_nodes=has_tier_nodes):
            relaxation = solve(relaxed)
            if groups.group_floors_met(problem, relaxation.chosen):
                relaxation.notes.append(
                    "group floors already met by the min-cost-flow optimum without them "
                    "(a relaxation), so it is optimal"
                )
                return relaxation
            hint = relaxation.chosen
            if not lexicographic and problem.n_candidates > groups.CP_SAT_MAX_ARCS:
                return _lagrangian_or_raise(problem, relaxation, time_limit)
    return groups.solve_general(
        problem, lexicographic=lexicographic, time_limit=time_limit, hint=hint
    )


__all__ = ["DEFAULT_TIME_LIMIT", "allocate", "allocate_problem", "reserve_spec"]


def _lagrangian_or_raise(
    problem: AllocationProblem, relaxation: flow.FlowSolution, time_limit: float
) -> flow.FlowSolution:
    """Large problems with group floors: Lagrangian flows, with a proven gap."""
    from matcher.allocation import groups

    solution = groups.solve_lagrangian(problem, time_limit=time_limit, first=relaxation)
    if solution is not None:
        return solution
    shortfalls = groups.general_shortfalls(problem)
    if shortfalls:
        raise InfeasibleError("the group floors cannot all be met", shortfalls)
    raise MatcherError(
        f"no allocation meeting every group floor was found within {time_limit:g} s; "
        "raise --time-limit"
    )


def _reserve_label(reserves: ReserveSpec) -> str:
    members = int(reserves.group.astype(bool).sum())
    places = int(reserves.reserved.sum())
    return (
        f"reserves: {places} places held for {members} group members, "
        f"processing order {reserves.order}"
    )
