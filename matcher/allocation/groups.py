"""The non-network remainder: overlapping group floors (and families that straddle tiers).

Group floors ("at least N places for 4050 workers", "at least M for disabled seekers") overlap —
one person can be in several groups — so they do not form a laminar family and cannot be layered
into the flow network. They are solved here with CP-SAT, on a reduced problem:

1. the min-cost flow without the group floors is a relaxation; when its optimum already meets
   every group floor it is optimal for the full problem and no general solver runs;
2. otherwise CP-SAT gets only the arcs that can matter (posts with places, cities with quota),
   the relaxation's solution as a hint, and a time limit. Its status is checked: ``OPTIMAL`` is
   reported as optimal, ``FEASIBLE`` as feasible with the proven gap in the notes.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from matcher.allocation import flow
from matcher.allocation.problem import AllocationProblem, IntArray, items
from matcher.errors import InfeasibleError, MatcherError, Shortfall


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
    found = []
    subjects: list[tuple[str, str, object, int]] = [
        ("tier_floor", f"tier {tier}", problem.seeker_tier == int(tier), floor)
        for tier, floor in items(problem.tier_floors)
        if floor > 0
    ]
    subjects += [
        ("group_floor", f"group {group}", problem.group_mask(str(group)), floor)
        for group, floor in items(problem.group_floors)
        if floor > 0
    ]
    subjects += [
        (
            "family_guarantee",
            f"family {problem.family_names[family]} (零就业家庭)",
            problem.seeker_family == family,
            1,
        )
        for family in problem.guaranteed_families()
    ]
    for constraint, subject, mask, required in subjects:
        weight = np.asarray(mask, dtype=np.int64)
        best = flow.max_flow_placements(problem, weight)
        if best < required:
            found.append(
                Shortfall(
                    constraint,
                    subject,
                    required,
                    best,
                    "not enough candidates, places or city quota even on its own",
                )
            )
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
                Shortfall(
                    "family_guarantee",
                    f"family {problem.family_names[f]} (零就业家庭)",
                    1,
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
