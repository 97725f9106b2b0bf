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


def _build(
    arcs: pd.DataFrame,
    capacity: IntArray,
    budget_yuan: int,
    floor_constraints: list[tuple[npt.NDArray[np.bool_], int]],
) -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    """Model and variables (one Boolean per arc), constraints in the order of the docstring."""
    model = cp_model.CpModel()
    n_arcs = len(arcs)
    x = [model.new_bool_var(f"x{a}") for a in range(n_arcs)]
    seeker_pos = arcs["seeker"].to_numpy(dtype=np.int64)
    class_pos = arcs["klass"].to_numpy(dtype=np.int64)
    for rows in _groups(seeker_pos):
        if len(rows) > 1:
            model.add_at_most_one(x[r] for r in rows)
    for klass, rows in zip(np.unique(class_pos), _groups(class_pos), strict=True):
        if len(rows) > capacity[klass]:
            model.add(sum(x[r] for r in rows) <= int(capacity[klass]))
    cost = arcs["cost_yuan"].to_numpy(dtype=np.int64)
    if int(cost.sum()) > budget_yuan:
        model.add(cp_model.LinearExpr.weighted_sum(x, cost.tolist()) <= budget_yuan)
    for mask, minimum in floor_constraints:
        model.add(sum(x[r] for r in np.flatnonzero(mask)) >= minimum)
    return model, x


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


def _constraint_matrix(
    arcs: pd.DataFrame,
    capacity: IntArray,
    budget_yuan: int,
    floor_constraints: list[tuple[npt.NDArray[np.bool_], int]],
) -> tuple[sp.csr_matrix, npt.NDArray[np.float64]]:
    """All constraints as ``A x <= b`` rows: seekers, classes, budget, floors (negated)."""
    n_arcs = len(arcs)
    columns = np.arange(n_arcs)
    seeker_pos = arcs["seeker"].to_numpy(dtype=np.int64)
    class_pos = arcs["klass"].to_numpy(dtype=np.int64)
    n_seekers = int(seeker_pos.max()) + 1 if n_arcs else 0
    blocks = [
        sp.csr_matrix((np.ones(n_arcs), (seeker_pos, columns)), shape=(n_seekers, n_arcs)),
        sp.csr_matrix((np.ones(n_arcs), (class_pos, columns)), shape=(len(capacity), n_arcs)),
        sp.csr_matrix(arcs["cost_yuan"].to_numpy(dtype=float)[None, :]),
    ]
    bounds = [np.ones(n_seekers), capacity.astype(float), np.array([float(budget_yuan)])]
    for mask, minimum in floor_constraints:
        blocks.append(sp.csr_matrix(-mask.astype(float)[None, :]))
        bounds.append(np.array([-float(minimum)]))
    return sp.vstack(blocks, format="csr"), np.concatenate(bounds)


def dual_bound(
    arcs: pd.DataFrame,
    capacity: IntArray,
    budget_yuan: int,
    floor_constraints: list[tuple[npt.NDArray[np.bool_], int]],
) -> tuple[float, npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
    """An upper bound on the gain of every feasible allocation, each arc's dual slack, and the
    LP solution (nearly integral: an assignment polytope cut by one budget row).

    Solves the LP relaxation (HiGHS) for row prices ``y >= 0``. For *any* ``y >= 0`` and any
    feasible ``x`` in [0, 1]: ``g·x <= y·b + sum(max(0, -s)) - sum_{s > 0} s_a x_a`` with
    ``s = Aᵀy - g``, so the bound and the slacks are valid whatever the LP's accuracy. Returns
    None when the relaxation is infeasible (then so is the integer problem).
    """
    matrix, bounds = _constraint_matrix(arcs, capacity, budget_yuan, floor_constraints)
    gain = arcs["gain_units"].to_numpy(dtype=float)
    # Dual simplex: on these problems it is several times faster than interior point and
    # returns a vertex, which has at most a few fractional arcs.
    result = linprog(-gain, A_ub=matrix, b_ub=bounds, bounds=(0, 1), method="highs-ds")
    if result.status == 2:
        return None
    if result.status != 0:
        raise MatcherError(f"the LP relaxation of the training allocation failed: {result.message}")
    prices = np.clip(-np.asarray(result.ineqlin.marginals, dtype=float), 0.0, None)
    slack = matrix.T @ prices - gain
    bound = float(prices @ bounds + np.clip(-slack, 0.0, None).sum())
    return bound, slack, np.asarray(result.x, dtype=float)


def greedy_allocation(
    arcs: pd.DataFrame,
    capacity: IntArray,
    budget_yuan: int,
    floor_constraints: list[tuple[npt.NDArray[np.bool_], int]],
    priority: npt.NDArray[np.float64],
) -> npt.NDArray[np.bool_] | None:
    """A feasible allocation taken arc by arc in ``priority`` order (floors first); None if the
    greedy pass misses a floor. Used as the incumbent that bounds the exact search."""
    seeker_pos = arcs["seeker"].to_numpy(dtype=np.int64)
    class_pos = arcs["klass"].to_numpy(dtype=np.int64)
    cost = arcs["cost_yuan"].to_numpy(dtype=np.int64)
    taken = np.zeros(len(arcs), dtype=bool)
    seeker_free = np.ones(int(seeker_pos.max()) + 1 if len(arcs) else 0, dtype=bool)
    room = capacity.astype(np.int64).copy()
    money = int(budget_yuan)
    order = np.argsort(-priority, kind="stable")

    def take(candidates: IntArray, wanted: int) -> int:
        nonlocal money
        got = 0
        for a in candidates.tolist():
            if got >= wanted:
                break
            s, k, c = seeker_pos[a], class_pos[a], int(cost[a])
            if seeker_free[s] and room[k] > 0 and c <= money:
                seeker_free[s] = False
                room[k] -= 1
                money -= c
                taken[a] = True
                got += 1
        return got

    for mask, minimum in floor_constraints:
        already = int((taken & mask).sum())
        floor_order = order[mask[order]]
        # Cheapest first, so the floor leaves the most budget for the objective.
        floor_order = floor_order[np.argsort(cost[floor_order], kind="stable")]
        if already + take(floor_order, minimum - already) < minimum:
            return None
    take(order, len(order))
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

    Method: the LP relaxation gives an upper bound ``D`` and, per arc, a dual slack ``s_a``
    with ``gain(x) <= D - sum s_a x_a`` for every feasible ``x``. A greedy allocation gives a
    lower bound ``L``. Any allocation using an arc with ``s_a > D - L`` is worse than the greedy
    one, so those arcs are dropped (reduced-cost fixing) and an exact integer solver (HiGHS
    branch and bound with zero gap, or CP-SAT) solves the remaining core; its optimum is the
    optimum of the whole problem. If the greedy value already equals ``floor(D)`` it is
    optimal and no search is needed.

    Parameters
    ----------
    arcs, seekers, classes : DataFrame
        From :func:`matcher.training.scoring.score_training`.
    budget_yuan : int
        The city's subsidy budget in whole yuan.
    floors : list of TrainingFloor, optional
    engine : {"highs", "cp-sat"}
        The exact solver of the core. HiGHS is the default: on these knapsack-like problems its
        LP-based branch and bound proves optimality far sooner than CP-SAT (see
        ``docs/training.md``).
    time_limit : float
        Seconds for the exact solver. If optimality is not proven in time, the best allocation
        found is returned with status ``FEASIBLE`` and its proven gap (``bound - objective``).

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
    gain = arcs["gain_units"].to_numpy(dtype=np.int64)
    masks = floor_masks(arcs, seekers, classes, floors)
    floor_constraints = list(zip(masks, [f.minimum for f in floors], strict=True))
    if len(arcs) == 0:
        if any(f.minimum > 0 for f in floors):
            raise InfeasibleError(
                "the training floors cannot all be met: no seeker has a candidate session",
                _floor_shortfalls(arcs, capacity, budget_yuan, floors, masks, time_limit),
            )
        return SolveResult(np.zeros(0, dtype=np.int64), "OPTIMAL", 0, 0, 0.0, 0, engine)
    relaxation = dual_bound(arcs, capacity, budget_yuan, floor_constraints)
    if relaxation is None:
        raise InfeasibleError(
            "the training floors cannot all be met within capacities and the budget",
            _floor_shortfalls(arcs, capacity, budget_yuan, floors, masks, time_limit),
        )
    bound_value, slack, lp_solution = relaxation
    upper = math.floor(bound_value + 1e-6)
    # Round the LP: its integral arcs first, then the rest by dual slack (most promising first).
    span = float(np.abs(slack).max()) + 1.0
    incumbent = greedy_allocation(
        arcs, capacity, budget_yuan, floor_constraints, np.round(lp_solution, 6) - slack / span
    )
    lower = int(gain[incumbent].sum()) if incumbent is not None else None
    if incumbent is not None and lower == upper:
        return SolveResult(
            np.flatnonzero(incumbent).astype(np.int64),
            "OPTIMAL",
            upper,
            upper,
            time.perf_counter() - started,
            0,
            engine,
        )
    core = (
        slack <= bound_value - lower + 1e-6 if lower is not None else np.ones(len(arcs), dtype=bool)
    )
    core_arcs = np.flatnonzero(core)
    sub = arcs.iloc[core_arcs].reset_index(drop=True)
    sub_floors = [(m[core_arcs], k) for m, k in floor_constraints]
    hint = incumbent[core_arcs] if incumbent is not None else None
    solve = _solve_highs if engine == "highs" else _solve_cp_sat
    values, optimal, solver_bound = solve(
        sub, capacity, budget_yuan, sub_floors, upper, lower, hint, time_limit
    )
    if values is None:
        raise InfeasibleError(
            "the training floors cannot all be met within capacities and the budget",
            _floor_shortfalls(arcs, capacity, budget_yuan, floors, masks, time_limit),
        )
    chosen = core_arcs[values].astype(np.int64)
    value = int(gain[chosen].sum())
    if incumbent is not None and lower is not None and value < lower:
        # A time-limited solve may stop before reaching the greedy value: keep the better one.
        chosen, value = np.flatnonzero(incumbent).astype(np.int64), lower
    elif value == 0 and not optimal and incumbent is None and any(k > 0 for _, k in sub_floors):
        raise MatcherError(
            f"no allocation meeting the floors was found within {time_limit:g} s; "
            "raise --time-limit"
        )
    bound = value if optimal else max(value, min(upper, solver_bound))
    return SolveResult(
        chosen=chosen,
        status="OPTIMAL" if bound == value else "FEASIBLE",
        objective=value,
        bound=bound,
        seconds=time.perf_counter() - started,
        core_arcs=len(core_arcs),
        engine=engine,
    )


_Solution = tuple[npt.NDArray[np.bool_] | None, bool, int]


def _solve_highs(
    arcs: pd.DataFrame,
    capacity: IntArray,
    budget_yuan: int,
    floor_constraints: list[tuple[npt.NDArray[np.bool_], int]],
    upper: int,
    lower: int | None,
    hint: npt.NDArray[np.bool_] | None,
    time_limit: float,
) -> _Solution:
    """Branch and bound with HiGHS (``mip_rel_gap = 0``: optimal means proven optimal)."""
    del hint  # scipy's interface to HiGHS takes no starting solution
    matrix, bounds = _constraint_matrix(arcs, capacity, budget_yuan, floor_constraints)
    gain = arcs["gain_units"].to_numpy(dtype=float)
    result = milp(
        -gain,
        constraints=[LinearConstraint(matrix, -np.inf, bounds)],
        integrality=np.ones(len(arcs)),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0, "time_limit": time_limit, "presolve": True},
    )
    if result.status == 2:
        return None, False, 0
    if result.x is None:  # out of time before a first solution: the caller keeps its incumbent
        return np.zeros(len(arcs), dtype=bool), False, upper
    values = np.asarray(result.x) > 0.5
    dual = getattr(result, "mip_dual_bound", None)
    solver_bound = math.floor(-float(dual) + 1e-6) if dual is not None else upper
    return values, result.status == 0, solver_bound


def _solve_cp_sat(
    arcs: pd.DataFrame,
    capacity: IntArray,
    budget_yuan: int,
    floor_constraints: list[tuple[npt.NDArray[np.bool_], int]],
    upper: int,
    lower: int | None,
    hint: npt.NDArray[np.bool_] | None,
    time_limit: float,
) -> _Solution:
    """CP-SAT with the dual bound and the greedy incumbent as constraints and hint."""
    # model, variables, constraints, objective
    model, x = _build(arcs, capacity, budget_yuan, floor_constraints)
    gain = arcs["gain_units"].to_numpy(dtype=np.int64)
    objective = cp_model.LinearExpr.weighted_sum(x, gain.tolist())
    model.add(objective <= upper)
    if lower is not None and hint is not None:
        model.add(objective >= lower)
        for variable, value in zip(x, hint.tolist(), strict=True):
            model.add_hint(variable, value)
    model.maximize(objective)
    # solve
    solver = _solver(time_limit)
    status = solver.solve(model)
    # read results
    if status == cp_model.INFEASIBLE:
        return None, False, 0
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # out of time before a solution
        return np.zeros(len(arcs), dtype=bool), False, upper
    values = np.fromiter((solver.boolean_value(v) for v in x), dtype=bool, count=len(x))
    bound = math.floor(solver.best_objective_bound + 1e-6)
    return values, status == cp_model.OPTIMAL, bound


def _floor_shortfalls(
    arcs: pd.DataFrame,
    capacity: IntArray,
    budget_yuan: int,
    floors: list[TrainingFloor],
    masks: list[npt.NDArray[np.bool_]],
    time_limit: float,
) -> list[Shortfall]:
    """How far each floor can go on its own (max count within capacities and the budget)."""
    shortfalls: list[Shortfall] = []
    for floor, mask in zip(floors, masks, strict=True):
        model, x = _build(arcs, capacity, budget_yuan, [])
        model.maximize(sum(x[r] for r in np.flatnonzero(mask)))
        solver = _solver(time_limit)
        status = solver.solve(model)
        reachable = round(solver.objective_value) if status == cp_model.OPTIMAL else 0
        candidates = int(arcs.loc[mask, "seeker"].nunique())
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
        shortfalls.append(
            Shortfall(
                "training_floor",
                " + ".join(f.label for f in floors),
                sum(f.minimum for f in floors),
                0,
                "each floor can be met alone but not all together within the budget",
            )
        )
    return shortfalls
