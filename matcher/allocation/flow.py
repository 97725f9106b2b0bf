"""Min-cost-flow allocation: the network, and ``optimal`` over it (``lexicographic`` ranks
tiers on the same network, see :mod:`matcher.allocation.lexicographic`).

The network, built in bulk from numpy arrays::

    source ─► [tier node] ─► [family node] ─► seeker ─► post ─► [city node] ─► sink
       └──────────────────────── bypass (a seeker may stay unplaced) ──────────────┘

* source → seeker arcs carry 1 unit: one post per seeker;
* seeker → post arcs are the candidate pairs, cost ``-(scaled score · M + 1)``: the largest total
  score first, and among equal totals the most placements (``M`` exceeds the number of places, so
  the tie-break can never outweigh one unit of score);
* post → city (or sink) arcs carry the post's capacity, city → sink arcs the city cap;
* a tier floor is a lower bound on the source → tier arc, the family guarantee (三十九) a lower
  bound of 1 on the arc into the family node, at-most-one-per-family a capacity of 1 on that arc;
* lower bounds use the standard transformation (capacity ``c - l``, ``l`` moved into the supplies),
  and the source → sink bypass makes placement optional: maximum weight, not maximum cardinality.

Tier and family nodes nest (a laminar family of seeker sets) only when every family's members with
candidates share one tier; otherwise :func:`network_fits` says so and the caller uses the general
solver in :mod:`matcher.allocation.groups`.

``SimpleMinCostFlow`` has no time limit; its running time is polynomial and measured in the
benchmark (about ten seconds at province scale).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.allocation.problem import AllocationProblem, IntArray, items
from matcher.errors import InfeasibleError, MatcherError, Shortfall

# OR-Tools scales costs by (number of nodes + 1) internally; keep every product below this.
INT64_SAFE = 2**62


@dataclass
class FlowSolution:
    """What a flow solve returns: the chosen candidate arcs and how it went."""

    chosen: IntArray  # indices into problem.candidates of the placed pairs
    status: str
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    solves: int = 1
    notes: list[str] = field(default_factory=list)


@dataclass
class Network:
    """Arcs accumulated as numpy blocks, with named slices to read flows back."""

    n_nodes: int
    tails: list[IntArray] = field(default_factory=list)
    heads: list[IntArray] = field(default_factory=list)
    capacities: list[IntArray] = field(default_factory=list)
    costs: list[IntArray] = field(default_factory=list)
    lowers: list[IntArray] = field(default_factory=list)
    blocks: dict[str, tuple[int, int]] = field(default_factory=dict)
    block_lowers: dict[str, IntArray] = field(default_factory=dict)
    reward_bounds: dict[str, IntArray] = field(default_factory=dict)
    n_arcs: int = 0

    def add(
        self,
        name: str,
        tails: IntArray,
        heads: IntArray,
        capacities: IntArray,
        costs: IntArray | int = 0,
        lowers: IntArray | int = 0,
    ) -> None:
        count = len(tails)
        lower_array = np.broadcast_to(np.asarray(lowers, dtype=np.int64), (count,))
        self.tails.append(np.asarray(tails, dtype=np.int32))
        self.heads.append(np.asarray(heads, dtype=np.int32))
        self.capacities.append(np.asarray(capacities, dtype=np.int64))
        self.costs.append(np.broadcast_to(np.asarray(costs, dtype=np.int64), (count,)))
        self.lowers.append(lower_array)
        self.block_lowers[name] = lower_array
        self.blocks[name] = (self.n_arcs, self.n_arcs + count)
        self.n_arcs += count


@dataclass
class Layout:
    """Node numbering of the network for one problem."""

    source: int
    sink: int
    tier_node: dict[int, int]  # tier -> node (only when tier nodes are used)
    family_node: dict[int, int]  # family code -> node (only families that need a node)
    seeker0: int
    post0: int
    city_node: dict[int, int]  # city code -> node (only capped cities)
    n_nodes: int


def family_nodes_needed(problem: AllocationProblem) -> IntArray:
    """Family codes that need a node: guaranteed families, and under one-per-family every family
    with two or more members holding candidates."""
    needed = [problem.guaranteed_families()]
    if problem.one_per_family and problem.family_names:
        with_candidates = problem.seekers_with_candidates
        families = problem.seeker_family[with_candidates]
        families = families[families >= 0]
        codes, counts = np.unique(families, return_counts=True)
        needed.append(codes[counts >= 2])
    return np.unique(np.concatenate(needed)).astype(np.int64)


def network_fits(problem: AllocationProblem, *, tier_nodes: bool) -> bool:
    """Whether tiers and families nest, so the constraints form a network.

    They do when no tier nodes are needed or every family with a node has all its members holding
    candidates in one tier.
    """
    if len(problem.group_floors):
        return False
    families = family_nodes_needed(problem)
    if not tier_nodes or len(families) == 0:
        return True
    with_candidates = problem.seekers_with_candidates
    family = problem.seeker_family[with_candidates]
    tier = problem.seeker_tier[with_candidates]
    in_node = np.isin(family, families)
    frame = np.stack([family[in_node], tier[in_node]])
    pairs = np.unique(frame, axis=1)
    return len(np.unique(pairs[0])) == pairs.shape[1]


def network_layout(problem: AllocationProblem, *, tier_nodes: bool) -> Layout:
    next_node = 2
    tier_node: dict[int, int] = {}
    if tier_nodes:
        for tier in problem.tiers:
            tier_node[tier] = next_node
            next_node += 1
    family_node: dict[int, int] = {}
    for family in family_nodes_needed(problem):
        family_node[int(family)] = next_node
        next_node += 1
    seeker0 = next_node
    next_node += problem.n_seekers
    post0 = next_node
    next_node += problem.n_posts
    city_node: dict[int, int] = {}
    for city in np.flatnonzero(problem.city_cap >= 0):
        city_node[int(city)] = next_node
        next_node += 1
    return Layout(0, 1, tier_node, family_node, seeker0, post0, city_node, next_node)


def max_placements(problem: AllocationProblem) -> int:
    """An upper bound on the number of placements: seekers with candidates vs. places."""
    seekers_with_candidates = len(problem.seekers_with_candidates)
    return int(min(seekers_with_candidates, int(problem.post_capacity.sum())))


def placement_bound(problem: AllocationProblem) -> int:
    """A tighter upper bound on the number of placements than :func:`max_placements`: a post
    fills at most as many places as it has candidate seekers, a capped city at most its cap."""
    candidates_per_post = np.bincount(problem.cand_post, minlength=problem.n_posts)
    reachable = np.minimum(problem.post_capacity, candidates_per_post)
    per_city = np.bincount(problem.post_city, weights=reachable, minlength=len(problem.city_cap))
    capped = problem.city_cap >= 0
    by_city = np.where(capped, np.minimum(per_city, problem.city_cap), per_city)
    return int(min(max_placements(problem), int(by_city.sum())))


def build_network(
    problem: AllocationProblem,
    layout: Layout,
    *,
    arc_cost: IntArray | int,
    seeker_cost: IntArray | int = 0,
    tier_lower: dict[int, int] | None = None,
    family_lower: bool = True,
    rewards: bool = False,
) -> tuple[Network, int]:
    """Arcs of the network; returns it with the amount of flow to push from source to sink.

    With ``rewards`` the lower bounds are not enforced: each bounded arc is split into a part of
    capacity ``l`` at cost -1 (block ``<name>_reward``) and the free remainder, so a solve meets
    as many of the bounds as possible (used to explain infeasibility).
    """
    net = Network(layout.n_nodes)

    def add_bounded(
        name: str, tails: IntArray, heads: IntArray, caps: IntArray, lowers: IntArray
    ) -> None:
        if not rewards:
            net.add(name, tails, heads, caps, 0, lowers)
            return
        bounded = np.minimum(lowers, caps)
        net.add(name, tails, heads, caps - bounded)
        net.add(f"{name}_reward", tails, heads, bounded, -1)
        net.reward_bounds[f"{name}_reward"] = lowers

    tier_lower = tier_lower or {}
    total_flow = max_placements(problem)

    seekers_with_candidates = problem.seekers_with_candidates
    members_per_tier = {
        tier: int(np.count_nonzero(problem.seeker_tier[seekers_with_candidates] == tier))
        for tier in layout.tier_node
    }
    # source -> tier nodes (floors as lower bounds)
    if layout.tier_node:
        tiers = np.array(list(layout.tier_node), dtype=np.int64)
        nodes = np.array([layout.tier_node[t] for t in tiers], dtype=np.int64)
        caps = np.array([members_per_tier[int(t)] for t in tiers], dtype=np.int64)
        lowers = np.array([tier_lower.get(int(t), 0) for t in tiers], dtype=np.int64)
        add_bounded("tiers", np.zeros(len(tiers), np.int64), nodes, caps, lowers)

    def parent_of(seekers: IntArray) -> IntArray:
        if layout.tier_node:
            lookup = np.zeros(max(layout.tier_node) + 1, dtype=np.int64)
            for tier, node in layout.tier_node.items():
                lookup[tier] = node
            return lookup[problem.seeker_tier[seekers]]
        return np.full(len(seekers), layout.source, dtype=np.int64)

    # parent -> family nodes (guarantee as lower bound 1; one-per-family as capacity 1)
    family_codes = np.array(list(layout.family_node), dtype=np.int64)
    seeker_family = problem.seeker_family
    if len(family_codes):
        family_nodes = np.array([layout.family_node[int(f)] for f in family_codes], np.int64)
        # The family's parent is the tier node of any member with candidates (they agree when
        # the network fits).
        representative = np.full(len(problem.family_names), -1, dtype=np.int64)
        with_family = seekers_with_candidates[seeker_family[seekers_with_candidates] >= 0]
        representative[seeker_family[with_family]] = with_family
        parents = parent_of(representative[family_codes])
        member_counts = np.bincount(
            seeker_family[with_family], minlength=len(problem.family_names)
        )[family_codes]
        caps = np.ones(len(family_codes), np.int64) if problem.one_per_family else member_counts
        guaranteed = np.isin(family_codes, problem.guaranteed_families())
        lowers = (guaranteed & family_lower).astype(np.int64)
        add_bounded("families", parents, family_nodes, caps, lowers)

    # parent -> seeker (one post per seeker)
    seeker_parent = parent_of(seekers_with_candidates)
    if len(family_codes):
        node_of_family = np.full(len(problem.family_names) + 1, -1, dtype=np.int64)
        node_of_family[family_codes] = [layout.family_node[int(f)] for f in family_codes]
        fam = seeker_family[seekers_with_candidates]
        via_family = node_of_family[fam]  # fam == -1 reads the sentinel slot at the end
        seeker_parent = np.where(via_family >= 0, via_family, seeker_parent)
    costs: IntArray | int = (
        seeker_cost if isinstance(seeker_cost, int) else seeker_cost[seekers_with_candidates]
    )
    net.add(
        "seekers",
        seeker_parent,
        layout.seeker0 + seekers_with_candidates,
        np.ones(len(seekers_with_candidates), np.int64),
        costs,
    )
    # seeker -> post: the candidate pairs
    net.add(
        "candidates",
        layout.seeker0 + problem.cand_seeker,
        layout.post0 + problem.cand_post,
        np.ones(problem.n_candidates, np.int64),
        arc_cost,
    )
    # post -> city node or sink
    post_target = np.full(problem.n_posts, layout.sink, dtype=np.int64)
    for city, node in layout.city_node.items():
        post_target[problem.post_city == city] = node
    net.add(
        "posts",
        layout.post0 + np.arange(problem.n_posts, dtype=np.int64),
        post_target,
        problem.post_capacity,
    )
    if layout.city_node:
        cities = np.array(list(layout.city_node), dtype=np.int64)
        net.add(
            "cities",
            np.array([layout.city_node[int(c)] for c in cities], np.int64),
            np.full(len(cities), layout.sink, np.int64),
            problem.city_cap[cities],
        )
    net.add(
        "bypass",
        np.array([layout.source]),
        np.array([layout.sink]),
        np.array([total_flow], np.int64),
    )
    return net, total_flow


def solve_network(
    net: Network, total_flow: int
) -> tuple[min_cost_flow.SimpleMinCostFlow, object, float]:
    """Apply the lower-bound transformation, solve, and return the solver with its status."""
    supplies = np.zeros(net.n_nodes, dtype=np.int64)
    supplies[0] = total_flow
    supplies[1] = -total_flow
    block_capacities = []
    max_cost = 0
    for tails_block, heads_block, caps, costs_block, lowers in zip(
        net.tails, net.heads, net.capacities, net.costs, net.lowers, strict=True
    ):
        if len(costs_block):
            max_cost = max(max_cost, int(costs_block.max()), -int(costs_block.min()))
        # Only the small tier and family blocks carry lower bounds; a broadcast zero (stride 0)
        # is read once instead of scanning the 15-million-arc candidate block.
        if len(lowers) == 0:
            has_lowers = False
        elif lowers.strides == (0,):
            has_lowers = bool(lowers[0] != 0)
        else:
            has_lowers = bool(lowers.any())
        if has_lowers:
            # Standard transformation: l is forced through, leaving capacity c - l.
            caps = np.maximum(caps - lowers, 0)
            np.subtract.at(supplies, tails_block, lowers)
            np.add.at(supplies, heads_block, lowers)
        block_capacities.append(caps)
    if max_cost * (net.n_nodes + 1) >= INT64_SAFE or max_cost * max(total_flow, 1) >= INT64_SAFE:
        raise MatcherError(
            "scores too large for an exact integer min-cost flow "
            f"(largest scaled arc cost {max_cost} with {net.n_nodes} nodes)"
        )
    tails = np.concatenate(net.tails)
    heads = np.concatenate(net.heads)
    capacities = np.concatenate(block_capacities)
    costs = np.concatenate(net.costs)
    del block_capacities
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    del tails, heads, capacities, costs
    solver.set_nodes_supplies(np.arange(net.n_nodes, dtype=np.int32), supplies)
    start = time.perf_counter()
    status = solver.solve()
    return solver, status, time.perf_counter() - start


def arc_flows(solver: min_cost_flow.SimpleMinCostFlow, net: Network, name: str) -> IntArray:
    begin, end = net.blocks[name]
    flows = solver.flows(np.arange(begin, end, dtype=np.int32))
    # Restore the lower bounds removed by the transformation.
    return np.asarray(flows, dtype=np.int64) + net.block_lowers[name]


def value_costs(problem: AllocationProblem) -> tuple[IntArray, int]:
    """Arc costs ``-(scaled score · M + 1)``; ``-scaled`` if the tie-break would overflow."""
    scaled = problem.cand_score_scaled
    places = max_placements(problem)
    multiplier = places + 1
    largest = int(np.abs(scaled).max()) if len(scaled) else 0
    n_nodes_bound = problem.n_seekers + problem.n_posts + len(problem.city_names) + 2
    n_nodes_bound += len(problem.family_names) + len(problem.tiers)
    if (largest * multiplier + 1) * (n_nodes_bound + 1) * 4 >= INT64_SAFE:
        return -scaled, 1
    return -(scaled * multiplier + 1), multiplier


def tier_lower_bounds(problem: AllocationProblem) -> dict[int, int]:
    floors = problem.tier_floors
    return {int(t): int(f) for t, f in items(floors) if int(f) > 0}


def value_weights(problem: AllocationProblem) -> tuple[IntArray, int]:
    """Per-arc integer weights the ``optimal`` flow maximises (``scaled score · M + 1``) and
    ``M``, the number of weight units per unit of scaled score."""
    arc_cost, multiplier = value_costs(problem)
    return -arc_cost, multiplier


def solve_optimal(
    problem: AllocationProblem, *, seeker_bonus: IntArray | None = None
) -> FlowSolution:
    """The largest total score subject to capacities, city caps, tier floors, the family
    guarantee and at most one per family.

    Parameters
    ----------
    problem : AllocationProblem
        Its group floors are ignored here (they are not a network; see ``groups``).
    seeker_bonus : array of int, optional
        Extra weight (in the units of :func:`value_weights`) for placing each seeker: the
        Lagrangian multipliers of group floors.

    Raises
    ------
    InfeasibleError
        When floors or guarantees cannot all be met, with one ``Shortfall`` per unmet constraint.
    """
    tier_lower = tier_lower_bounds(problem)
    start = time.perf_counter()
    layout = network_layout(problem, tier_nodes=bool(tier_lower))
    arc_cost, _ = value_costs(problem)
    net, total = build_network(
        problem,
        layout,
        arc_cost=arc_cost,
        seeker_cost=0 if seeker_bonus is None else -seeker_bonus,
        tier_lower=tier_lower,
    )
    solver, status, solve_seconds = solve_network(net, total)
    build_seconds = time.perf_counter() - start - solve_seconds
    raise_unless_optimal(problem, status, tier_lower)
    chosen = np.flatnonzero(arc_flows(solver, net, "candidates") > 0)
    return FlowSolution(chosen, "optimal", build_seconds, solve_seconds)


def raise_unless_optimal(
    problem: AllocationProblem, status: object, tier_lower: dict[int, int]
) -> None:
    if status == min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        return
    if status in (
        min_cost_flow.SimpleMinCostFlow.INFEASIBLE,
        min_cost_flow.SimpleMinCostFlow.UNBALANCED,
    ):
        raise InfeasibleError(
            "the allocation's floors and guarantees cannot all be met",
            shortfalls(problem, tier_lower),
        )
    raise MatcherError(f"min-cost flow solver ended with status {status}")


def max_flow_placements(problem: AllocationProblem, seeker_weight: IntArray) -> int:
    """Largest number of placements of the seekers with ``seeker_weight == 1`` under capacities,
    city caps and one-per-family, ignoring floors and guarantees (used to report shortfalls)."""
    layout = network_layout(problem, tier_nodes=False)
    net, total = build_network(
        problem, layout, arc_cost=0, seeker_cost=-seeker_weight.astype(np.int64), family_lower=False
    )
    solver, status, _ = solve_network(net, total)
    if status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        raise MatcherError(f"min-cost flow solver ended with status {status}")
    return int(-solver.optimal_cost())


def shortfalls(problem: AllocationProblem, tier_lower: dict[int, int]) -> list[Shortfall]:
    """Explain an infeasible request: each unmet floor or guarantee and by how much.

    The lower bounds become rewards (cost -1 for each unit up to the bound); one min-cost flow
    then meets as many of them as possible together. For each tier floor left short the maximum
    on its own is computed too, so the message says whether the floor is impossible by itself or
    only together with the others.
    """
    layout = network_layout(problem, tier_nodes=bool(tier_lower))
    net, total = build_network(problem, layout, arc_cost=0, tier_lower=tier_lower, rewards=True)
    solver, status, _ = solve_network(net, total)
    if status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        raise MatcherError(f"min-cost flow solver ended with status {status}")

    found: list[Shortfall] = []
    if "tiers_reward" in net.blocks:
        achieved = arc_flows(solver, net, "tiers_reward")
        for position, tier in enumerate(layout.tier_node):
            required = tier_lower.get(tier, 0)
            together = int(achieved[position])
            if together >= required:
                continue
            alone = max_flow_placements(problem, (problem.seeker_tier == tier).astype(np.int64))
            if alone < required:
                detail = "not enough candidates, places or city quota for this tier"
                achievable = alone
            else:
                detail = (
                    f"possible alone (up to {alone}) but not together with the other floors "
                    "and family guarantees"
                )
                achievable = together
            found.append(
                Shortfall("tier_floor", f"tier {tier}", required, achievable, detail, tier=tier)
            )
    if "families_reward" in net.blocks:
        achieved = arc_flows(solver, net, "families_reward")
        wanted = net.reward_bounds["families_reward"]
        for position, family in enumerate(layout.family_node):
            if wanted[position] > achieved[position]:
                found.append(
                    family_shortfall(
                        problem,
                        family,
                        int(achieved[position]),
                        "no member can be placed once capacities, city caps and floors are met",
                    )
                )
    if not found:
        found.append(
            Shortfall(
                "bounds",
                "all floors and guarantees together",
                float(sum(tier_lower.values())),
                float(-solver.optimal_cost()),
                "the constraints conflict",
            )
        )
    return found


def family_shortfall(
    problem: AllocationProblem, family: int, achievable: int, detail: str
) -> Shortfall:
    """The guarantee (三十九) unmet for one family (by code), named by its id."""
    name = problem.family_names[family]
    return Shortfall(
        "family_guarantee", f"family {name} (零就业家庭)", 1, achievable, detail, family_id=name
    )


def chosen_city_counts(problem: AllocationProblem, chosen: Sequence[int]) -> IntArray:
    """Placements per city code (used by reasons)."""
    posts = problem.cand_post[np.asarray(chosen, dtype=np.int64)]
    return np.bincount(problem.post_city[posts], minlength=len(problem.city_names))
