"""The exact solver equals an independent MILP, respects every constraint, explains floors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from training_instances import GROUPS, KINDS, Instance, instances, milp_optimum

from matcher.errors import InfeasibleError
from matcher.training.solver import Engine, TrainingFloor, solve_training


def _assert_feasible(instance: Instance, chosen: np.ndarray, floors: list[TrainingFloor]) -> None:
    picked = instance.arcs.iloc[chosen]
    assert picked["seeker"].is_unique
    taken = np.bincount(picked["klass"].to_numpy(), minlength=len(instance.classes))
    assert (taken <= instance.classes["capacity"].to_numpy()).all()
    assert picked["cost_yuan"].sum() <= instance.budget
    for floor in floors:
        groups = instance.seekers["groups"].iloc[picked["seeker"]].str.split("|")
        kinds = instance.classes["kind"].iloc[picked["klass"]].to_numpy()
        hits = [
            floor.group in g and (floor.kind is None or k == floor.kind)
            for g, k in zip(groups, kinds, strict=True)
        ]
        assert sum(hits) >= floor.minimum


@settings(max_examples=60, deadline=None)
@given(instance=instances(), engine=st.sampled_from(["highs", "cp-sat"]))
def test_objective_equals_independent_milp(instance: Instance, engine: Engine) -> None:
    result = solve_training(
        instance.arcs, instance.seekers, instance.classes, instance.budget, engine=engine
    )
    assert result.status == "OPTIMAL"
    assert result.objective == milp_optimum(instance)
    assert result.objective == int(instance.arcs["gain_units"].iloc[result.chosen].sum())
    _assert_feasible(instance, result.chosen, [])


@settings(max_examples=60, deadline=None)
@given(
    instance=instances(),
    group=st.sampled_from(GROUPS),
    kind=st.sampled_from([None, *KINDS]),
    minimum=st.integers(0, 4),
)
def test_floors_met_or_explained(
    instance: Instance, group: str, kind: str | None, minimum: int
) -> None:
    floors = [TrainingFloor(group, kind, minimum)]
    expected = milp_optimum(instance, [(group, kind, minimum)])
    if expected is None:
        with pytest.raises(InfeasibleError) as raised:
            solve_training(
                instance.arcs, instance.seekers, instance.classes, instance.budget, floors
            )
        shortfall = raised.value.shortfalls[0]
        assert shortfall.constraint == "training_floor"
        assert shortfall.required == minimum
        assert shortfall.achievable < minimum
        return
    result = solve_training(
        instance.arcs, instance.seekers, instance.classes, instance.budget, floors
    )
    assert result.objective == expected
    _assert_feasible(instance, result.chosen, floors)


def test_budget_below_every_cost_places_nobody() -> None:
    arcs = pd.DataFrame(
        {
            "seeker": [0, 1],
            "klass": [0, 0],
            "gain_units": [30, 20],
            "subsidy_yuan": [2000, 2000],
            "allowance_yuan": [0, 0],
            "cost_yuan": [2000, 2000],
        }
    )
    seekers = pd.DataFrame({"seeker_id": ["A", "B"], "groups": ["", ""]})
    classes = pd.DataFrame({"kind": ["syb"], "capacity": [2], "subsidy_yuan": [2000]})
    assert len(solve_training(arcs, seekers, classes, 1999).chosen) == 0
    one = solve_training(arcs, seekers, classes, 2000)
    assert one.chosen.tolist() == [0]  # the higher gain for the same yuan
    assert len(solve_training(arcs, seekers, classes, 4000).chosen) == 2
