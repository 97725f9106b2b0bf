"""The ``lexicographic`` strategy: most tier-1 placements, then tier 2, …, then the value.

Tiers are ranked by per-seeker bonuses on the parent → seeker arcs of the :mod:`flow` network,
sized so that one more placement of a tier outweighs every change in lower tiers and in the
value; the network itself (nodes, arcs, lower bounds, solve) stays in :mod:`flow`.

* Without family nodes the bonuses are sized by a residual-cycle argument
  (:func:`_cycle_dominating_weights`): about ``2^T · V``, one flow even at province scale.
* With family nodes a cycle can swap members of many families, so the bonuses must dominate
  whole tier sizes (:func:`_tier_bonuses`): one flow if they fit in int64; otherwise the tier
  counts in weighted flows over groups of consecutive tiers (:func:`_count_groups`) and the value
  in a last flow with those counts fixed as floors.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.allocation.flow import (
    INT64_SAFE,
    FlowSolution,
    Network,
    arc_flows,
    build_network,
    family_nodes_needed,
    max_placements,
    network_layout,
    placement_bound,
    raise_unless_optimal,
    solve_network,
    tier_lower_bounds,
    value_costs,
)
from matcher.allocation.problem import AllocationProblem, IntArray


@dataclass(frozen=True)
class _LexicographicScale:
    """What sizes the tier bonuses of a lexicographic solve."""

    per_tier: dict[int, int]  # most placements each tier can get
    arc_cost: IntArray  # value costs of the candidate arcs
    multiplier: int
    value_span: int  # bound on any change of the value level
    n_nodes_bound: int


def _lexicographic_scale(problem: AllocationProblem) -> _LexicographicScale:
    places = max_placements(problem)
    seekers_with_candidates = problem.seekers_with_candidates
    per_tier = {
        t: min(places, int(np.count_nonzero(problem.seeker_tier[seekers_with_candidates] == t)))
        for t in problem.tiers
    }
    arc_cost, multiplier = value_costs(problem)
    scaled = problem.cand_score_scaled
    # Span of the value level over all allocations: at most `places` arcs, each within range.
    span = places * (max(int(scaled.max(initial=0)), 0) - min(int(scaled.min(initial=0)), 0))
    n_nodes_bound = problem.n_seekers + problem.n_posts + len(problem.city_names) + 2
    n_nodes_bound += len(problem.family_names) + len(problem.tiers)
    return _LexicographicScale(
        per_tier, arc_cost, multiplier, span * multiplier + places + 1, n_nodes_bound
    )


def _tier_bonuses(
    problem: AllocationProblem,
    scale: _LexicographicScale,
    base: int,
    *,
    tiers: list[int] | None = None,
    with_value: bool = True,
    limit: int = INT64_SAFE,
) -> dict[int, int] | None:
    """Per-placement bonus per tier such that one more placement of a tier outweighs every change
    in lower tiers and in the value level (``base`` bounds the latter); ``None`` if the bonuses
    would not fit safely under ``limit`` (int64).

    ``tiers`` (default: all, highest priority first) restricts the bonuses to consecutive tiers;
    ``with_value=False`` sizes them for a flow whose arcs carry no value cost (counts only)."""
    bonus: dict[int, int] = {}
    lower_total = 0
    max_arc = int(np.abs(scale.arc_cost).max(initial=0)) if with_value else 0
    for tier in reversed(problem.tiers if tiers is None else tiers):
        bonus[tier] = base + lower_total
        lower_total += bonus[tier] * scale.per_tier[tier]
        if (bonus[tier] + max_arc) * (scale.n_nodes_bound + 1) * 4 >= limit or (
            lower_total >= limit // 4
        ):
            return None
        # The dominance argument is arithmetic over any feasible set of flows, so it holds with
        # family lower bounds too: no tier nodes are needed unless tier floors ask for them.
    return bonus


def _count_groups(
    problem: AllocationProblem, scale: _LexicographicScale, limit: int = INT64_SAFE
) -> list[dict[int, int]]:
    """Consecutive tiers whose placement counts one weighted flow maximises in priority order.

    Each group carries count-only :func:`_tier_bonuses` (``base`` 1), so the flow maximises the
    group's first tier, then its second, …; a group grows while its bonuses stay safe in int64
    (three or four tiers at city scale, where one flow per tier would solve the same network
    once per tier). Tiers no seeker with a candidate belongs to are left out: their count is 0
    whatever is chosen.
    """
    groups: list[dict[int, int]] = []
    members: list[int] = []  # the current group's tiers, highest priority first
    bonus: dict[int, int] = {}
    for tier in problem.tiers:
        if scale.per_tier[tier] == 0:
            continue
        grown = _tier_bonuses(
            problem, scale, 1, tiers=[*members, tier], with_value=False, limit=limit
        )
        if grown is None:
            if members:
                groups.append(bonus)
            members, bonus = [tier], {tier: 1}  # one tier alone needs no dominance
        else:
            members, bonus = [*members, tier], grown
    if members:
        groups.append(bonus)
    return groups


def lexicographic_in_one_solve(problem: AllocationProblem) -> bool:
    """Whether ``lexicographic`` is one weighted flow (tier bonuses on the seekers' arcs, so tier
    nodes only for tier floors): true when dominating bonuses of either kind fit in int64."""
    scale = _lexicographic_scale(problem)
    return (
        _cycle_dominating_weights(problem, scale.n_nodes_bound) is not None
        or _tier_bonuses(problem, scale, scale.value_span) is not None
    )


def solve_lexicographic(problem: AllocationProblem) -> FlowSolution:
    """Most tier-1 placements, then most tier-2, …, then the largest total score.

    One weighted solve when the dominating weights fit in int64; otherwise one solve for the tier
    counts (weights that dominate lower tiers) and a second for the value with those counts fixed
    as floors; otherwise one solve per tier.
    """
    tiers = problem.tiers
    tier_lower = tier_lower_bounds(problem)
    start = time.perf_counter()
    scale = _lexicographic_scale(problem)
    arc_cost = scale.arc_cost

    value_span = scale.value_span

    total_build = 0.0
    total_solve = 0.0
    solves = 0
    notes: list[str] = []

    def run(
        seeker_cost: IntArray | int, costs: IntArray | int, lower: dict[int, int], nodes: bool
    ) -> tuple[min_cost_flow.SimpleMinCostFlow, Network]:
        nonlocal total_build, total_solve, solves
        began = time.perf_counter()
        layout = network_layout(problem, tier_nodes=nodes)
        net, total = build_network(
            problem, layout, arc_cost=costs, seeker_cost=seeker_cost, tier_lower=lower
        )
        solver, status, seconds = solve_network(net, total)
        total_build += time.perf_counter() - began - seconds
        total_solve += seconds
        solves += 1
        raise_unless_optimal(problem, status, lower)
        return solver, net

    def tier_costs(bonus: dict[int, int]) -> IntArray:
        lookup = np.zeros(max(tiers) + 1, dtype=np.int64)
        for tier, value in bonus.items():
            lookup[tier] = -value
        return lookup[problem.seeker_tier]

    def counts(solver: min_cost_flow.SimpleMinCostFlow, net: Network) -> dict[int, int]:
        placed = np.flatnonzero(arc_flows(solver, net, "candidates") > 0)
        placed_tiers = problem.seeker_tier[problem.cand_seeker[placed]]
        return {t: int(np.count_nonzero(placed_tiers == t)) for t in tiers}

    cycle_weights = _cycle_dominating_weights(problem, scale.n_nodes_bound)
    all_in_one = _tier_bonuses(problem, scale, value_span)
    if cycle_weights is not None:
        solver, net = run(
            tier_costs(cycle_weights), -problem.cand_score_scaled, tier_lower, bool(tier_lower)
        )
        notes.append("one weighted min-cost flow (tier weights dominate every residual cycle)")
    elif all_in_one is not None:
        solver, net = run(tier_costs(all_in_one), arc_cost, tier_lower, bool(tier_lower))
        notes.append("one weighted min-cost flow (tier weights dominate the value)")
    else:
        fixed: dict[int, int] = dict(tier_lower)
        groups = _count_groups(problem, scale)
        bound = placement_bound(problem)
        counted = 0
        for group in groups:
            if sum(fixed.values()) >= bound:
                # The tiers counted so far hold every place any allocation can fill, so the
                # later tiers' counts are 0 (what their flows would return): skip those solves.
                fixed.update({t: fixed.get(t, 0) for t in group})
                continue
            solver, net = run(tier_costs(group), 0, fixed, True)
            placed = counts(solver, net)
            fixed.update({t: max(placed[t], fixed.get(t, 0)) for t in group})
            counted += 1
            del solver, net
        notes.append(
            f"tier counts in {counted} weighted flow(s) of consecutive tiers for "
            f"{len(groups)} group(s) (a group after every place was taken needs none), "
            "then value with counts fixed"
        )
        solver, net = run(0, arc_cost, fixed, True)
    chosen = np.flatnonzero(arc_flows(solver, net, "candidates") > 0)
    total_build = max(total_build, time.perf_counter() - start - total_solve)
    return FlowSolution(chosen, "optimal", total_build, total_solve, solves, notes)


def _cycle_dominating_weights(problem: AllocationProblem, n_nodes: int) -> dict[int, int] | None:
    """Tier bonuses small enough for one solve at province scale, when no family nodes exist.

    Why they suffice: if a flow ``x`` is optimal for the weighted costs but some feasible ``y`` is
    lexicographically better, ``y - x`` splits into simple cycles of ``x``'s residual network, one
    of which is itself a lexicographic improvement. A simple cycle passes the source and each tier
    node at most once, so it changes each tier's count by at most 1 (family nodes would break
    this, hence None with them), and it uses at most two candidate arcs per post, so it changes
    the value by at most ``V = (2 · min(posts, seekers) + 2) · max |scaled score|``. With
    ``B_T = V + 1`` and ``B_t = V + 1 + Σ_{s>t} B_s`` that cycle would have negative weighted
    cost, contradicting the optimality of ``x``. So the weighted optimum is lexicographically
    optimal, with bonuses about ``2^T · V`` instead of products of tier sizes.
    """
    if family_nodes_needed(problem).size:
        return None
    largest = int(np.abs(problem.cand_score_scaled).max(initial=0))
    cycle_value = (2 * min(problem.n_posts, problem.n_seekers) + 2) * largest
    bonus: dict[int, int] = {}
    lower_total = 0
    for tier in reversed(problem.tiers):
        bonus[tier] = cycle_value + 1 + lower_total
        lower_total += bonus[tier]
    places = max(max_placements(problem), 1)
    if lower_total * (n_nodes + 1) * 4 >= INT64_SAFE or lower_total * places * 4 >= INT64_SAFE:
        return None
    return bonus
