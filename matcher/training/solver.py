"""Exact budget-constrained allocation of seekers to training session classes with CP-SAT.

The problem (per city): choose arcs ``x[a]`` in {0, 1} over the candidate arcs to

    maximise   sum_a gain_units[a] · x[a]           (expected employment gain, integer-scaled)
    subject to sum_{a of seeker i} x[a] <= 1        (each seeker at most one session)
               sum_{a of class k}  x[a] <= cap[k]   (session capacities, summed per class)
               sum_a cost_yuan[a] · x[a] <= budget  (the city's subsidy budget, whole yuan)
               sum_{a of floor f}  x[a] >= min[f]   (optional target-group floors)

Maximising the gain under the budget is what "gain per yuan" means for a fixed budget: every
yuan goes where it buys the most expected employment. With a budget the problem is a knapsack
with assignment side constraints, so it is solved as an integer program, never rounded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from ortools.sat.python import cp_model
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from matcher.errors import InfeasibleError, MatcherError, Shortfall

IntArray = npt.NDArray[np.int64]

#: Seconds the exact solver may take per city; a result not proven optimal says so (status and
#: gap), it is never passed off as optimal.
DEFAULT_TIME_LIMIT = 60.0

Engine = Literal["highs", "cp-sat"]
ENGINES: tuple[str, ...] = ("highs", "cp-sat")


@dataclass(frozen=True)
class TrainingFloor:
    """At least ``minimum`` trainees from eligibility group ``group`` (in sessions of ``kind``).

    ``group`` is an eligibility group id of the training rules (e.g. ``returning_migrant``).
    """

    group: str
    kind: str | None
    minimum: int

    @property
    def label(self) -> str:
        return f"{self.group} in {self.kind}" if self.kind else self.group


@dataclass(frozen=True)
class SolveResult:
    """Chosen arcs and how the solve went."""

    chosen: IntArray  # positions into the arcs frame
    status: str  # "OPTIMAL", or "FEASIBLE" when the time limit cut the proof short
    objective: int  # sum of gain_units of the chosen arcs
    bound: int  # proven upper bound (equals ``objective`` when optimal)
    seconds: float
    core_arcs: int = 0  # arcs left for the exact solver after reduced-cost fixing (0: none)
    engine: str = "highs"

    @property
    def gap(self) -> int:
        """Proven distance to the optimum, in gain units (0 when optimal)."""
        return self.bound - self.objective


def floor_masks(
    arcs: pd.DataFrame,
    seekers: pd.DataFrame,
    classes: pd.DataFrame,
    floors: list[TrainingFloor],
) -> list[npt.NDArray[np.bool_]]:
    """For each floor, which arcs count towards it."""
    group_sets = [set(str(cell).split("|")) for cell in seekers["groups"].tolist()]
    kinds = classes["kind"].astype(str).to_numpy()
    seeker_pos = arcs["seeker"].to_numpy(dtype=np.int64)
    class_pos = arcs["klass"].to_numpy(dtype=np.int64)
    masks = []
    for floor in floors:
        member = np.asarray([floor.group in g for g in group_sets], dtype=bool)
        mask = member[seeker_pos] if len(member) else np.zeros(len(arcs), dtype=bool)
        if floor.kind is not None:
            mask = mask & (kinds[class_pos] == floor.kind)
        masks.append(mask)
    return masks


@dataclass(frozen=True)
class _Aggregated:
    """Seekers with identical candidate arcs (class, gain, cost) and floor memberships are
    interchangeable: one *type* per such set, one integer variable per type arc bounded by the
    type's head-count. An exact reformulation that removes the symmetry between them."""

    type_of: IntArray  # type of every seeker position that has arcs (-1 otherwise)
    arc_type: IntArray  # per type arc
    arc_class: IntArray
    arc_gain: IntArray
    arc_cost: IntArray
    arc_origin: IntArray  # the representative's arc position in the original frame
    type_count: IntArray
    floor_masks: list[npt.NDArray[np.bool_]]  # over type arcs


def _aggregate(arcs: pd.DataFrame, masks: list[npt.NDArray[np.bool_]]) -> _Aggregated:
    order = np.lexsort((arcs["klass"].to_numpy(), arcs["seeker"].to_numpy()))
    sorted_arcs = arcs.iloc[order]
    text = (
        sorted_arcs["klass"].astype(str)
        + ":"
        + sorted_arcs["gain_units"].astype(str)
        + ":"
        + sorted_arcs["cost_yuan"].astype(str)
    )
    for mask in masks:
        text = text + np.where(mask[order], "+", "-")
    signature = text.groupby(sorted_arcs["seeker"].to_numpy(), sort=True).agg("|".join)
    codes, _ = pd.factorize(signature, sort=False)
    seekers_with_arcs = signature.index.to_numpy(dtype=np.int64)
    n_seekers = int(arcs["seeker"].max()) + 1 if len(arcs) else 0
    type_of = np.full(n_seekers, -1, dtype=np.int64)
    type_of[seekers_with_arcs] = codes
    type_count = np.bincount(codes, minlength=int(codes.max()) + 1 if len(codes) else 0)
    # The first seeker of each type represents it.
    _, first = np.unique(codes, return_index=True)
    representative = np.zeros(len(type_count), dtype=np.int64)
    representative[codes[first]] = seekers_with_arcs[first]
    arc_seeker = arcs["seeker"].to_numpy(dtype=np.int64)
    is_rep = np.zeros(n_seekers, dtype=bool)
    is_rep[representative] = True
    kept = np.flatnonzero(is_rep[arc_seeker])
    return _Aggregated(
        type_of=type_of,
        arc_type=type_of[arc_seeker[kept]],
        arc_class=arcs["klass"].to_numpy(dtype=np.int64)[kept],
        arc_gain=arcs["gain_units"].to_numpy(dtype=np.int64)[kept],
        arc_cost=arcs["cost_yuan"].to_numpy(dtype=np.int64)[kept],
        arc_origin=kept.astype(np.int64),
        type_count=type_count.astype(np.int64),
        floor_masks=[mask[kept] for mask in masks],
    )


def _upper(model: _Aggregated, capacity: IntArray) -> IntArray:
    """Per type arc: at most the type's head-count and the class's capacity."""
    return np.minimum(model.type_count[model.arc_type], capacity[model.arc_class])


def _constraint_matrix(
    model: _Aggregated,
    capacity: IntArray,
    budget_yuan: int,
    minimums: list[int],
    subset: IntArray | None = None,
) -> tuple[sp.csr_matrix, npt.NDArray[np.float64]]:
    """All constraints as ``A x <= b`` rows: types, classes, budget, floors (negated)."""
    keep = np.arange(len(model.arc_type)) if subset is None else subset
    n = len(keep)
    columns = np.arange(n)
    n_types = len(model.type_count)
    blocks = [
        sp.csr_matrix((np.ones(n), (model.arc_type[keep], columns)), shape=(n_types, n)),
        sp.csr_matrix((np.ones(n), (model.arc_class[keep], columns)), shape=(len(capacity), n)),
        sp.csr_matrix(model.arc_cost[keep].astype(float)[None, :]),
    ]
    bounds = [
        model.type_count.astype(float),
        capacity.astype(float),
        np.array([float(budget_yuan)]),
    ]
    for mask, minimum in zip(model.floor_masks, minimums, strict=True):
        blocks.append(sp.csr_matrix(-mask[keep].astype(float)[None, :]))
        bounds.append(np.array([-float(minimum)]))
    return sp.vstack(blocks, format="csr"), np.concatenate(bounds)


def dual_bound(
    model: _Aggregated, capacity: IntArray, budget_yuan: int, minimums: list[int]
) -> tuple[float, npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
    """An upper bound on the gain of every feasible allocation, each arc's dual slack, and the
    LP solution (nearly integral: an assignment polytope cut by one budget row).

    Solves the LP relaxation (HiGHS) for row prices ``y >= 0``. For *any* ``y >= 0`` and any
    feasible ``x`` with ``0 <= x <= u``: ``g·x <= y·b + sum(u·max(0, -s)) - sum_{s > 0} s_a x_a``
    with ``s = Aᵀy - g``, so the bound and the slacks are valid whatever the LP's accuracy.
    Returns None when the relaxation is infeasible (then so is the integer problem).
    """
    matrix, bounds = _constraint_matrix(model, capacity, budget_yuan, minimums)
    gain = model.arc_gain.astype(float)
    upper = _upper(model, capacity).astype(float)
    # Dual simplex: on these problems it is several times faster than interior point and
    # returns a vertex, which has at most a few fractional arcs.
    result = linprog(
        -gain,
        A_ub=matrix,
        b_ub=bounds,
        bounds=np.column_stack([np.zeros_like(upper), upper]),
        method="highs-ds",
    )
    if result.status == 2:
        return None
    if result.status != 0:
        raise MatcherError(f"the LP relaxation of the training allocation failed: {result.message}")
    prices = np.clip(-np.asarray(result.ineqlin.marginals, dtype=float), 0.0, None)
    slack = matrix.T @ prices - gain
    bound = float(prices @ bounds + (upper * np.clip(-slack, 0.0, None)).sum())
    return bound, slack, np.asarray(result.x, dtype=float)


def _greedy(
    model: _Aggregated,
    capacity: IntArray,
    budget_yuan: int,
    minimums: list[int],
    priority: npt.NDArray[np.float64],
    start: IntArray | None = None,
) -> IntArray | None:
    """A feasible allocation (count per type arc): ``start`` (the rounded-down LP solution,
    feasible because rounding down only frees room), then floors cheapest first, then arc by
    arc in ``priority`` order; None if a floor is missed. It is the incumbent that bounds the
    exact search."""
    taken = np.zeros(len(model.arc_type), dtype=np.int64) if start is None else start.copy()
    left = model.type_count - np.bincount(
        model.arc_type, weights=taken, minlength=len(model.type_count)
    ).astype(np.int64)
    room = capacity.astype(np.int64) - np.bincount(
        model.arc_class, weights=taken, minlength=len(capacity)
    ).astype(np.int64)
    money = int(budget_yuan) - int(model.arc_cost @ taken)
    if (left < 0).any() or (room < 0).any() or money < 0:
        taken = np.zeros(len(model.arc_type), dtype=np.int64)
        left, room, money = model.type_count.copy(), capacity.astype(np.int64), int(budget_yuan)
    order = np.argsort(-priority, kind="stable")
    types, classes, costs = model.arc_type, model.arc_class, model.arc_cost

    def take(candidates: IntArray, wanted: int) -> int:
        nonlocal money
        got = 0
        for a in candidates.tolist():
            if got >= wanted:
                break
            t, k, c = types[a], classes[a], int(costs[a])
            amount = min(int(left[t]), int(room[k]), wanted - got)
            if c > 0:
                amount = min(amount, money // c)
            if amount > 0:
                left[t] -= amount
                room[k] -= amount
                money -= amount * c
                taken[a] += amount
                got += amount
        return got

    for mask, minimum in zip(model.floor_masks, minimums, strict=True):
        already = int(taken[mask].sum())
        floor_order = order[mask[order]]
        floor_order = floor_order[np.argsort(costs[floor_order], kind="stable")]
        if already + take(floor_order, minimum - already) < minimum:
            return None
    take(order, int(left.sum()))
    return taken


def solve_training(
    arcs: pd.DataFrame,
    seekers: pd.DataFrame,
    classes: pd.DataFrame,
    budget_yuan: int,
    floors: list[TrainingFloor] | None = None,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    engine: Engine = "highs",
) -> SolveResult:
    """Solve the allocation exactly (see the module docstring).

    Method, each step exact:

    1. Seekers with identical arcs and floor memberships are merged into types (one integer
       variable per type arc, bounded by the head-count): same optimum, no symmetry.
    2. The LP relaxation gives an upper bound ``D`` and, per arc, a dual slack ``s_a`` with
       ``gain(x) <= D - sum s_a x_a`` for every feasible ``x``; rounding the LP vertex and
       filling greedily gives a feasible allocation of value ``L``.
    3. An arc with ``s_a > D - L`` cannot be used by an allocation better than ``L``, so it is
       dropped (reduced-cost fixing). If ``L == floor(D)``, ``L`` is optimal: done.
    4. An exact integer solver (HiGHS branch and bound with zero gap, or CP-SAT) solves the
       remaining core; its optimum is the optimum of the whole problem.

    Parameters
    ----------
    arcs, seekers, classes : DataFrame
        From :func:`matcher.training.scoring.score_training`.
    budget_yuan : int
        The city's subsidy budget in whole yuan.
    floors : list of TrainingFloor, optional
    time_limit : float
        Seconds for the exact solver. If optimality is not proven in time, the best allocation
        found is returned with status ``FEASIBLE`` and its proven gap (``bound - objective``).
    engine : {"highs", "cp-sat"}
        The exact solver of the core. HiGHS is the default: on these knapsack-like problems its
        LP-based branch and bound proves optimality far sooner than CP-SAT (see
        ``docs/training.md``).

    Raises
    ------
    InfeasibleError
        If the floors cannot all be met; each shortfall says how many the floor could reach on
        its own within capacities and budget.
    """
    started = time.perf_counter()
    floors = floors or []
    if budget_yuan < 0:
        raise MatcherError(f"The budget must be at least 0 yuan. Got {budget_yuan} instead.")
    # data
    capacity = classes["capacity"].to_numpy(dtype=np.int64)
    masks = floor_masks(arcs, seekers, classes, floors)
    minimums = [f.minimum for f in floors]
    if len(arcs) == 0:
        if any(m > 0 for m in minimums):
            raise InfeasibleError(
                "the training floors cannot all be met: no seeker has a candidate session",
                _floor_shortfalls(arcs, capacity, budget_yuan, floors, masks, time_limit),
            )
        return SolveResult(np.zeros(0, dtype=np.int64), "OPTIMAL", 0, 0, 0.0, 0, engine)
    model = _aggregate(arcs, masks)
    relaxation = dual_bound(model, capacity, budget_yuan, minimums)
    if relaxation is None:
        raise InfeasibleError(
            "the training floors cannot all be met within capacities and the budget",
            _floor_shortfalls(arcs, capacity, budget_yuan, floors, masks, time_limit),
        )
    bound_value, slack, lp_solution = relaxation
    upper = math.floor(bound_value + 1e-6)
    # Round the LP down (still feasible), then fill by dual slack, most promising first.
    start = np.floor(lp_solution + 1e-6).astype(np.int64)
    cost = model.arc_cost.astype(float)
    priority = -slack + 1e-6 * model.arc_gain / (1.0 + cost)
    incumbent = _greedy(model, capacity, budget_yuan, minimums, priority, start)
    lower = int(model.arc_gain @ incumbent) if incumbent is not None else None
    core_size = 0
    counts = incumbent
    status_optimal = incumbent is not None and lower == upper
    proven = upper
    if not status_optimal:
        core = (
            np.flatnonzero(slack <= bound_value - lower + 1e-6)
            if lower is not None
            else np.arange(len(model.arc_type))
        )
        core_size = len(core)
        hint = incumbent[core] if incumbent is not None else None
        solve = _solve_highs if engine == "highs" else _solve_cp_sat
        found, optimal, solver_bound = solve(
            model, core, capacity, budget_yuan, minimums, upper, lower, hint, time_limit
        )
        if found is None:
            raise InfeasibleError(
                "the training floors cannot all be met within capacities and the budget",
                _floor_shortfalls(arcs, capacity, budget_yuan, floors, masks, time_limit),
            )
        candidate = np.zeros(len(model.arc_type), dtype=np.int64)
        candidate[core] = found
        value = int(model.arc_gain @ candidate)
        if lower is None or value >= lower:
            counts = candidate
        elif incumbent is None:
            raise MatcherError(
                f"no allocation meeting the floors was found within {time_limit:g} s; "
                "raise --time-limit"
            )
        status_optimal = optimal
        proven = min(upper, solver_bound)
    assert counts is not None
    chosen = _disaggregate(arcs, model, counts)
    value = int(arcs["gain_units"].to_numpy(dtype=np.int64)[chosen].sum())
    bound = value if status_optimal else max(value, proven)
    return SolveResult(
        chosen=chosen,
        status="OPTIMAL" if bound == value else "FEASIBLE",
        objective=value,
        bound=bound,
        seconds=time.perf_counter() - started,
        core_arcs=core_size,
        engine=engine,
    )


def _disaggregate(arcs: pd.DataFrame, model: _Aggregated, counts: IntArray) -> IntArray:
    """Arc positions in the original frame: each type arc's count goes to that many members of
    the type, members in seeker order (they are interchangeable)."""
    arc_index = pd.Series(
        np.arange(len(arcs), dtype=np.int64),
        index=pd.MultiIndex.from_arrays([arcs["seeker"].to_numpy(), arcs["klass"].to_numpy()]),
    )
    members_of = pd.Series(np.arange(len(model.type_of))).groupby(model.type_of).apply(list)
    next_member = dict.fromkeys(members_of.index.tolist(), 0)
    pairs_seeker: list[int] = []
    pairs_class: list[int] = []
    for a in np.flatnonzero(counts).tolist():
        t = int(model.arc_type[a])
        start = next_member[t]
        members = members_of[t][start : start + int(counts[a])]
        next_member[t] = start + int(counts[a])
        pairs_seeker.extend(members)
        pairs_class.extend([int(model.arc_class[a])] * len(members))
    if not pairs_seeker:
        return np.zeros(0, dtype=np.int64)
    keys = pd.MultiIndex.from_arrays([pairs_seeker, pairs_class])
    return np.sort(arc_index.loc[keys].to_numpy(dtype=np.int64))


_Solution = tuple[IntArray | None, bool, int]


def _solve_highs(
    model: _Aggregated,
    core: IntArray,
    capacity: IntArray,
    budget_yuan: int,
    minimums: list[int],
    upper: int,
    lower: int | None,
    hint: IntArray | None,
    time_limit: float,
) -> _Solution:
    """Branch and bound with HiGHS (``mip_rel_gap = 0``: optimal means proven optimal)."""
    del hint, lower  # scipy's interface to HiGHS takes no starting solution or cutoff
    matrix, bounds = _constraint_matrix(model, capacity, budget_yuan, minimums, core)
    gain = model.arc_gain[core].astype(float)
    result = milp(
        -gain,
        constraints=[LinearConstraint(matrix, -np.inf, bounds)],
        integrality=np.ones(len(core)),
        bounds=Bounds(0, _upper(model, capacity)[core].astype(float)),
        options={"mip_rel_gap": 0.0, "time_limit": time_limit, "presolve": True},
    )
    if result.status == 2:
        return None, False, 0
    if result.x is None:  # out of time before a first solution: the caller keeps its incumbent
        return np.zeros(len(core), dtype=np.int64), False, upper
    values = np.rint(np.asarray(result.x)).astype(np.int64)
    dual = getattr(result, "mip_dual_bound", None)
    solver_bound = math.floor(-float(dual) + 1e-6) if dual is not None else upper
    return values, result.status == 0, solver_bound


def _solve_cp_sat(
    model: _Aggregated,
    core: IntArray,
    capacity: IntArray,
    budget_yuan: int,
    minimums: list[int],
    upper: int,
    lower: int | None,
    hint: IntArray | None,
    time_limit: float,
) -> _Solution:
    """CP-SAT with the dual bound and the incumbent as constraints and hint."""
    # model, variables, constraints, objective
    cp, x = _build(model, core, capacity, budget_yuan, minimums)
    objective = cp_model.LinearExpr.weighted_sum(x, model.arc_gain[core].tolist())
    cp.add(objective <= upper)
    if lower is not None and hint is not None:
        cp.add(objective >= lower)
        for variable, value in zip(x, hint.tolist(), strict=True):
            cp.add_hint(variable, value)
    cp.maximize(objective)
    # solve
    solver = _solver(time_limit)
    status = solver.solve(cp)
    # read results
    if status == cp_model.INFEASIBLE:
        return None, False, 0
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # out of time before a solution
        return np.zeros(len(core), dtype=np.int64), False, upper
    values = np.fromiter((solver.value(v) for v in x), dtype=np.int64, count=len(x))
    bound = math.floor(solver.best_objective_bound + 1e-6)
    return values, status == cp_model.OPTIMAL, bound


def _build(
    model: _Aggregated, core: IntArray, capacity: IntArray, budget_yuan: int, minimums: list[int]
) -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    """CP-SAT model: one integer per core type arc, constraints as in the module docstring."""
    cp = cp_model.CpModel()
    upper = _upper(model, capacity)[core]
    x = [
        cp.new_int_var(0, int(u), f"x{a}")
        for a, u in zip(core.tolist(), upper.tolist(), strict=True)
    ]
    types, classes = model.arc_type[core], model.arc_class[core]
    for rows in _groups(types):
        cp.add(sum(x[r] for r in rows) <= int(model.type_count[types[rows[0]]]))
    for rows in _groups(classes):
        cp.add(sum(x[r] for r in rows) <= int(capacity[classes[rows[0]]]))
    cost = model.arc_cost[core]
    cp.add(cp_model.LinearExpr.weighted_sum(x, cost.tolist()) <= budget_yuan)
    for mask, minimum in zip(model.floor_masks, minimums, strict=True):
        cp.add(sum(x[r] for r in np.flatnonzero(mask[core])) >= minimum)
    return cp, x


def _groups(keys: IntArray) -> list[IntArray]:
    """Row positions grouped by key, keys ascending."""
    if len(keys) == 0:
        return []
    order = np.argsort(keys, kind="stable")
    _, starts = np.unique(keys[order], return_index=True)
    return np.split(order, starts[1:])


def _solver(time_limit: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2  # the machine has two cores
    return solver


def _floor_shortfalls(
    arcs: pd.DataFrame,
    capacity: IntArray,
    budget_yuan: int,
    floors: list[TrainingFloor],
    masks: list[npt.NDArray[np.bool_]],
    time_limit: float,
) -> list[Shortfall]:
    """How far each floor can go on its own (max count within capacities and the budget), or,
    when each can be met alone, how many of the floors' places can be filled together."""
    shortfalls: list[Shortfall] = []
    for floor, mask in zip(floors, masks, strict=True):
        reachable = _max_floor_places(arcs, capacity, budget_yuan, [mask], [None], time_limit)
        candidates = int(arcs.loc[mask, "seeker"].nunique()) if len(arcs) else 0
        if reachable < floor.minimum:
            shortfalls.append(
                Shortfall(
                    "training_floor",
                    floor.label,
                    floor.minimum,
                    reachable,
                    (
                        f"only {candidates} eligible seeker(s) have a session that counts"
                        if candidates < floor.minimum
                        else f"{candidates} eligible seeker(s) have a session that counts; "
                        "session capacities and the budget allow no more"
                    ),
                )
            )
    if not shortfalls:
        minimums = [f.minimum for f in floors]
        together = _max_floor_places(arcs, capacity, budget_yuan, masks, minimums, time_limit)
        shortfalls.append(
            Shortfall(
                "training_floors_together",
                " + ".join(f.label for f in floors),
                sum(minimums),
                together,
                "each floor can be met alone, but capacities and the budget cannot hold them all",
            )
        )
    return shortfalls


def _max_floor_places(
    arcs: pd.DataFrame,
    capacity: IntArray,
    budget_yuan: int,
    masks: list[npt.NDArray[np.bool_]],
    caps: Sequence[int | None],
    time_limit: float,
) -> int:
    """Most places the floors can fill together (each counted up to its cap) within
    capacities and the budget."""
    if len(arcs) == 0:
        return 0
    model = _aggregate(arcs, masks)
    core = np.arange(len(model.arc_type))
    cp, x = _build(model, core, capacity, budget_yuan, [0] * len(masks))
    filled = []
    for mask, cap in zip(model.floor_masks, caps, strict=True):
        count = sum(x[r] for r in np.flatnonzero(mask))
        bound = int(cap) if cap is not None else int(model.type_count.sum())
        places = cp.new_int_var(0, bound, "")
        cp.add(places <= count)
        filled.append(places)
    cp.maximize(sum(filled))
    solver = _solver(time_limit)
    status = solver.solve(cp)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return 0
    return round(solver.objective_value)
