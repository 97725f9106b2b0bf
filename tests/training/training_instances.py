"""Hypothesis builders of whole training-allocation instances, and an independent MILP."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

GROUPS = ("returning_migrant", "unemployed_worker", "graduate_trainee")
KINDS = ("universal", "syb", "remote")


@dataclass
class Instance:
    """Arcs between seekers and session classes, as :func:`solve_training` takes them."""

    arcs: pd.DataFrame
    seekers: pd.DataFrame
    classes: pd.DataFrame
    budget: int


@st.composite
def instances(draw: st.DrawFn, max_seekers: int = 8, max_classes: int = 5) -> Instance:
    n_seekers = draw(st.integers(1, max_seekers))
    n_classes = draw(st.integers(1, max_classes))
    capacity = draw(st.lists(st.integers(0, 4), min_size=n_classes, max_size=n_classes))
    subsidy = draw(
        st.lists(st.sampled_from([400, 600, 1080, 2000]), min_size=n_classes, max_size=n_classes)
    )
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=n_classes, max_size=n_classes))
    rows: list[tuple[int, int, int, int, int]] = []
    seeker = 0
    for _ in range(n_seekers):
        own = []
        for klass in range(n_classes):
            if draw(st.booleans()):
                allowance = draw(st.sampled_from([0, 0, 340]))
                own.append((klass, draw(st.integers(0, 60)), subsidy[klass], allowance))
        # Identical copies exercise the merging of interchangeable seekers into types.
        for _ in range(draw(st.integers(1, 3))):
            rows.extend((seeker, *arc) for arc in own)
            seeker += 1
    n_seekers = seeker
    arcs = pd.DataFrame(
        rows, columns=["seeker", "klass", "gain_units", "subsidy_yuan", "allowance_yuan"]
    ).astype("int64")
    arcs["cost_yuan"] = arcs["subsidy_yuan"] + arcs["allowance_yuan"]
    groups = ["|".join(g for g in GROUPS if draw(st.booleans())) for _ in range(n_seekers)]
    seekers = pd.DataFrame({"seeker_id": [f"S{i}" for i in range(n_seekers)], "groups": groups})
    classes = pd.DataFrame(
        {"kind": kinds, "capacity": np.asarray(capacity, dtype=np.int64), "subsidy_yuan": subsidy}
    )
    budget = draw(st.integers(0, 12_000))
    return Instance(arcs, seekers, classes, budget)


def milp_optimum(
    instance: Instance,
    floors: list[tuple[str, str | None, int]] = (),  # type: ignore[assignment]
) -> int | None:
    """The optimum by an independent model: one binary per arc, rows written out one by one.
    None when infeasible."""
    arcs = instance.arcs
    n = len(arcs)
    if n == 0:
        return None if any(m > 0 for _, _, m in floors) else 0
    seekers = arcs["seeker"].tolist()
    klasses = arcs["klass"].tolist()
    rows: list[tuple[dict[int, float], float, float]] = []
    for seeker in set(seekers):
        rows.append(({a: 1.0 for a in range(n) if seekers[a] == seeker}, 0, 1))
    for klass in set(klasses):
        cap = float(instance.classes["capacity"].iloc[klass])
        rows.append(({a: 1.0 for a in range(n) if klasses[a] == klass}, 0, cap))
    rows.append(({a: float(arcs["cost_yuan"].iloc[a]) for a in range(n)}, 0, instance.budget))
    for group, kind, minimum in floors:
        members = {
            i for i, g in enumerate(instance.seekers["groups"]) if group in str(g).split("|")
        }
        counted = {
            a: 1.0
            for a in range(n)
            if seekers[a] in members
            and (kind is None or instance.classes["kind"].iloc[klasses[a]] == kind)
        }
        rows.append((counted, minimum, np.inf))
    matrix = lil_matrix((len(rows), n))
    lower, upper = [], []
    for r, (coefficients, lo, hi) in enumerate(rows):
        for a, value in coefficients.items():
            matrix[r, a] = value
        lower.append(lo)
        upper.append(hi)
    result = milp(
        -arcs["gain_units"].to_numpy(dtype=float),
        constraints=[LinearConstraint(matrix.tocsr(), lower, upper)],
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    if result.status == 2:
        return None
    assert result.status == 0, result.message
    return round(-result.fun)
