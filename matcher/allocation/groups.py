"""The non-network remainder: overlapping group floors (and families that straddle tiers).

Group floors ("at least N places for 4050 workers", "at least M for disabled seekers") overlap —
one person can be in several groups — so they do not form a laminar family and cannot be layered
into the flow network. They are solved on a reduced problem:

1. the min-cost flow without the group floors is a relaxation; when its optimum already meets
   every group floor it is optimal for the full problem and nothing else runs;
2. small problems go to CP-SAT with only the arcs that can matter (posts with places, cities with
   quota), the relaxation's solution as a hint, and a time limit; its status is checked:
   ``OPTIMAL`` is reported as optimal, ``FEASIBLE`` as feasible with the bound in the notes;
3. large ``optimal`` problems use Lagrangian relaxation over the flow (:func:`solve_lagrangian`):
   a bonus per group, exact flows, and a proven gap (zero: certified optimal).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from ortools.sat.python import cp_model

from matcher.allocation import flow
from matcher.allocation.problem import SCORE_SCALE, AllocationProblem, IntArray, items
from matcher.errors import InfeasibleError, MatcherError, Shortfall

#: Above this many candidate arcs, ``optimal`` with group floors uses Lagrangian flows instead of
#: CP-SAT (which then rarely finds even a feasible solution within a minute).
CP_SAT_MAX_ARCS = 50_000


def group_floors_met(problem: AllocationProblem, chosen: IntArray) -> bool:
    """Whether the chosen arcs meet every group floor."""
    placed = np.zeros(problem.n_seekers, dtype=bool)
    placed[problem.cand_seeker[chosen]] = True
    floors = problem.group_floors
    return all(
        int(np.count_nonzero(placed & problem.group_mask(str(group)))) >= int(floor)
        for group, floor in items(floors)
    )


def general_shortfalls(problem: AllocationProblem) -> list[Shortfall]:
    """Each floor or guarantee that cannot be met even on its own, and by how much.

    Each is a max-flow over the network of capacities, city caps and one-per-family: the most
    placements the tier, group or family could get if it were the only one with a floor.
    """
    detail = "not enough candidates, places or city quota even on its own"
    # Each candidate shortfall with its members; it is kept if the max-flow falls short.
    subjects: list[tuple[Shortfall, object]] = [
        (
            Shortfall("tier_floor", f"tier {tier}", floor, 0, detail, tier=int(tier)),
            problem.seeker_tier == int(tier),
        )
        for tier, floor in items(problem.tier_floors)
        if floor > 0
    ]
    subjects += [
        (
            Shortfall("group_floor", f"group {group}", floor, 0, detail, group=str(group)),
            problem.group_mask(str(group)),
        )
        for group, floor in items(problem.group_floors)
        if floor > 0
    ]
    subjects += [
        (
            flow.family_shortfall(problem, int(family), 0, detail),
            problem.seeker_family == family,
        )
        for family in problem.guaranteed_families()
    ]
    found = []
    for shortfall, mask in subjects:
        best = flow.max_flow_placements(problem, np.asarray(mask, dtype=np.int64))
        if best < shortfall.required:
            found.append(dataclasses.replace(shortfall, achievable=best))
    return found


def solve_general(
    problem: AllocationProblem,
    *,
    lexicographic: bool,
    time_limit: float,
    hint: IntArray | None = None,
) -> flow.FlowSolution:
    """Solve with CP-SAT under every constraint, including overlapping group floors.

    Parameters
    ----------
    problem : AllocationProblem
    lexicographic : bool
        Maximise tier counts one tier after another before the value (each fixed as a floor).
    time_limit : float
        Seconds per CP-SAT solve.
    hint : array of int, optional
        Candidate arcs of a good (possibly infeasible) solution to start from.

    Raises
    ------
    InfeasibleError
        When CP-SAT proves the constraints cannot all hold.
    MatcherError
        When no feasible solution is found within the time limit.
    """
    start = time.perf_counter()
    # Reduction: arcs into posts without places or into cities with a zero quota never carry.
    usable = problem.post_capacity[problem.cand_post] > 0
    city_of_arc = problem.post_city[problem.cand_post]
    usable &= problem.city_cap[city_of_arc] != 0
    arcs = np.flatnonzero(usable)

    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{k}") for k in arcs]
    arc_seeker = problem.cand_seeker[arcs]
    arc_post = problem.cand_post[arcs]

    def members(labels: IntArray) -> dict[int, list[int]]:
        order = np.argsort(labels, kind="stable")
        groups: dict[int, list[int]] = {}
        for position in order:
            groups.setdefault(int(labels[position]), []).append(int(position))
        return groups

    by_seeker = members(arc_seeker)
    for positions in by_seeker.values():
        if len(positions) > 1:
            model.add_at_most_one(x[p] for p in positions)
    for post, positions in members(arc_post).items():
        if len(positions) > problem.post_capacity[post]:
            model.add(sum(x[p] for p in positions) <= int(problem.post_capacity[post]))
    for city, positions in members(problem.post_city[arc_post]).items():
        cap = int(problem.city_cap[city])
        if 0 <= cap < len(positions):
            model.add(sum(x[p] for p in positions) <= cap)

    arc_tier = problem.seeker_tier[arc_seeker]
    for tier, floor in items(problem.tier_floors):
        if int(floor) > 0:
            model.add(sum(x[p] for p in np.flatnonzero(arc_tier == int(tier))) >= int(floor))
    for group, floor in items(problem.group_floors):
        in_group = problem.group_mask(str(group))[arc_seeker]
        model.add(sum(x[p] for p in np.flatnonzero(in_group)) >= int(floor))
    arc_family = problem.seeker_family[arc_seeker]
    if problem.one_per_family:
        for family, positions in members(arc_family).items():
            if family >= 0 and len(positions) > 1:
                model.add(sum(x[p] for p in positions) <= 1)
    guaranteed = set(int(f) for f in problem.guaranteed_families())
    for family, positions in members(arc_family).items():
        if family in guaranteed:
            model.add(sum(x[p] for p in positions) >= 1)
    guaranteed_without_arcs = guaranteed - set(int(f) for f in np.unique(arc_family))
    if guaranteed_without_arcs:
        raise InfeasibleError(
            "the zero-employment family guarantee cannot be met",
            [
                flow.family_shortfall(
                    problem,
                    f,
                    0,
                    "every candidate post has no places or lies in a city with a zero quota",
                )
                for f in sorted(guaranteed_without_arcs)
            ],
        )

    if hint is not None:
        hinted = np.zeros(problem.n_candidates, dtype=bool)
        hinted[hint] = True
        for p, k in enumerate(arcs):
            model.add_hint(x[p], bool(hinted[k]))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    notes: list[str] = [f"CP-SAT on {len(arcs)} of {problem.n_candidates} candidate arcs"]
    solve_seconds = 0.0
    solves = 0
    proven = True

    def run() -> None:
        nonlocal solve_seconds, solves, proven
        status = solver.solve(model)
        solve_seconds += solver.wall_time
        solves += 1
        if status == cp_model.INFEASIBLE:
            raise InfeasibleError(
                "the floors and guarantees cannot all be met",
                general_shortfalls(problem)
                or [
                    Shortfall(
                        "bounds",
                        "tier floors, group floors and family guarantees together",
                        1,
                        0,
                        "each may be possible alone, but not all together",
                    )
                ],
            )
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise MatcherError(
                f"CP-SAT found no feasible allocation within {time_limit:g} s "
                f"(status {solver.status_name(status)}); raise the time limit"
            )
        if status == cp_model.FEASIBLE:
            proven = False
            notes.append(
                f"time limit reached: objective {solver.objective_value:g}, "
                f"bound {solver.best_objective_bound:g}"
            )

    if lexicographic:
        for tier in problem.tiers:
            count = sum(x[p] for p in np.flatnonzero(arc_tier == tier))
            model.maximize(count)
            run()
            model.add(count >= round(solver.objective_value))
        notes.append("tier counts maximised one tier at a time, each then fixed")
    scaled = problem.cand_score_scaled[arcs]
    model.maximize(sum(int(scaled[p]) * x[p] for p in range(len(arcs))))
    run()
    chosen = arcs[np.array([solver.boolean_value(v) for v in x], dtype=bool)]
    build = time.perf_counter() - start - solve_seconds
    return flow.FlowSolution(
        chosen.astype(np.int64),
        "optimal" if proven else "feasible",
        build,
        solve_seconds,
        solves,
        notes,
    )


def solve_lagrangian(
    problem: AllocationProblem,
    *,
    time_limit: float,
    max_solves: int = 24,
    first: flow.FlowSolution | None = None,
) -> flow.FlowSolution | None:
    """Group floors by Lagrangian relaxation over the min-cost flow: for large problems.

    Each group floor gets a multiplier ``λ_g ≥ 0``, a bonus for placing a member; every
    iteration is one min-cost flow (exact under all network constraints) and moves each ``λ_g``
    by doubling and bisection towards the smallest bonus that meets the floor. For any ``λ`` the
    flow optimum plus ``Σ λ_g (count_g − floor_g)`` bounds the true optimum from above (the
    network part is totally unimodular), so the best floor-meeting solution comes with a proven
    gap; when the gap is zero it is certified optimal.

    Returns
    -------
    FlowSolution or None
        The best solution meeting every group floor (status ``optimal`` when certified, else
        ``feasible`` with the proven gap in the notes), or None when none was found within
        ``max_solves`` flows or ``time_limit`` seconds.
    """
    start = time.perf_counter()
    relaxed = dataclasses.replace(problem, group_floors=problem.group_floors.iloc[:0])
    weights, multiplier = flow.value_weights(problem)
    floor_items = [(str(g), f) for g, f in items(problem.group_floors) if f > 0]
    if not floor_items:
        return first if first is not None else flow.solve_optimal(relaxed)
    masks = np.stack([problem.group_mask(g) for g, _ in floor_items]).astype(np.int64)
    floors = np.array([f for _, f in floor_items], dtype=np.int64)
    # The first bonus tried is 1 % of the best single placement's weight; it then doubles.
    first_step = max(int(weights.max(initial=1)) // 100, 1)
    bonus = np.zeros(len(floors), dtype=np.int64)
    low = np.zeros(len(floors), dtype=np.int64)
    high = np.full(len(floors), -1, dtype=np.int64)
    best: flow.FlowSolution | None = None
    best_value = -1 << 62
    upper = 1 << 62
    solves = 0
    build = solve_seconds = 0.0
    while solves < max_solves and time.perf_counter() - start < time_limit:
        if solves == 0 and first is not None:
            solution = first
        else:
            solution = flow.solve_optimal(relaxed, seeker_bonus=bonus @ masks)
            build += solution.build_seconds
            solve_seconds += solution.solve_seconds
        solves += 1
        placed = np.zeros(problem.n_seekers, dtype=np.int64)
        placed[problem.cand_seeker[solution.chosen]] = 1
        slack = masks @ placed - floors
        value = int(weights[solution.chosen].sum())
        upper = min(upper, value + int(bonus @ slack))
        if (slack >= 0).all() and value > best_value:
            best, best_value = solution, value
        if best_value >= upper:
            break
        previous = bonus.copy()
        for g in range(len(floors)):
            if slack[g] < 0:
                low[g] = bonus[g]
                if high[g] <= low[g]:
                    high[g] = -1  # other groups moved; the old bracket no longer holds
                bonus[g] = (
                    (low[g] + high[g]) // 2 if high[g] >= 0 else max(2 * bonus[g], first_step)
                )
            elif slack[g] > 0 and bonus[g] > 0:
                high[g] = bonus[g]
                if low[g] >= high[g]:
                    low[g] = 0
                bonus[g] = (low[g] + high[g]) // 2
        if (bonus == previous).all():
            break
    if best is None:
        return None
    certified = best_value >= upper
    gap = max(upper - best_value, 0) / multiplier / SCORE_SCALE
    note = f"group floors by Lagrangian relaxation over {solves} min-cost flows: " + (
        "certified optimal" if certified else f"total score within {gap:.6g} of the optimum"
    )
    return flow.FlowSolution(
        best.chosen,
        "optimal" if certified else "feasible",
        build,
        solve_seconds,
        solves,
        [note],
    )
