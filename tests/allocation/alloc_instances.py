"""Hypothesis builders of whole allocation instances, and independent reference solvers.

The references share nothing with ``matcher.allocation``: a MILP with scipy's HiGHS ``milp``
and a plain serial-dictatorship loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix


@dataclass
class Instance:
    seekers: pd.DataFrame
    posts: pd.DataFrame
    candidates: pd.DataFrame
    city_caps: dict[str, int] = field(default_factory=dict)
    tier_floors: dict[int, int] = field(default_factory=dict)
    group_floors: dict[str, int] = field(default_factory=dict)
    families: bool = False
    one_per_family: bool = False

    def kwargs(self) -> dict[str, Any]:
        return {
            "city_caps": self.city_caps or None,
            "tier_floors": self.tier_floors or None,
            "group_floors": self.group_floors or None,
            "families": self.families,
            "one_per_family": self.one_per_family,
        }


@st.composite
def instances(
    draw: st.DrawFn,
    *,
    max_seekers: int = 8,
    max_posts: int = 4,
    constraints: bool = True,
    groups: bool = False,
    negative_scores: bool = True,
) -> Instance:
    """A small random instance; scores have at most 3 decimals."""
    n_seekers = draw(st.integers(1, max_seekers))
    n_posts = draw(st.integers(1, max_posts))
    seeker_ids = [f"S{i:02d}" for i in range(n_seekers)]
    post_ids = [f"P{j:02d}" for j in range(n_posts)]
    tiers = draw(st.lists(st.integers(1, 3), min_size=n_seekers, max_size=n_seekers))
    lottery = draw(st.permutations(range(n_seekers)))
    families = draw(
        st.lists(st.sampled_from(["", "F0", "F1", "F2"]), min_size=n_seekers, max_size=n_seekers)
    )
    zero = {f: draw(st.booleans()) for f in ("F0", "F1", "F2")}
    seekers = pd.DataFrame(
        {
            "seeker_id": seeker_ids,
            "tier": tiers,
            "lottery": list(lottery),
            "family_id": families,
            "zero_employment": [int(zero.get(f, False)) for f in families],
            "age4050": draw(st.lists(st.booleans(), min_size=n_seekers, max_size=n_seekers)),
            "disabled": draw(st.lists(st.booleans(), min_size=n_seekers, max_size=n_seekers)),
        }
    )
    seekers["age4050"] = seekers["age4050"].astype(int)
    seekers["disabled"] = seekers["disabled"].astype(int)
    posts = pd.DataFrame(
        {
            "post_id": post_ids,
            "capacity": draw(st.lists(st.integers(0, 3), min_size=n_posts, max_size=n_posts)),
            "city": draw(
                st.lists(st.sampled_from(["2101", "2102"]), min_size=n_posts, max_size=n_posts)
            ),
        }
    )
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(seeker_ids), st.sampled_from(post_ids)),
            unique=True,
            max_size=n_seekers * n_posts,
        )
    )
    low = -300 if negative_scores else 0
    scores = draw(st.lists(st.integers(low, 1000), min_size=len(pairs), max_size=len(pairs)))
    candidates = pd.DataFrame(
        {
            "seeker_id": [p[0] for p in pairs],
            "post_id": [p[1] for p in pairs],
            "score": [s / 1000 for s in scores],
        },
        columns=["seeker_id", "post_id", "score"],
    )
    instance = Instance(seekers, posts, candidates)
    if constraints:
        if draw(st.booleans()):
            instance.city_caps = {"2101": draw(st.integers(0, 4)), "2102": draw(st.integers(0, 4))}
        if draw(st.booleans()):
            instance.tier_floors = {t: draw(st.integers(0, 2)) for t in sorted(set(tiers))}
        instance.families = draw(st.booleans())
        instance.one_per_family = draw(st.booleans())
    if groups and draw(st.booleans()):
        instance.group_floors = {
            "age4050": draw(st.integers(0, 3)),
            "disabled": draw(st.integers(0, 2)),
        }
    return instance


def milp_reference(
    instance: Instance, *, lexicographic: bool = False
) -> tuple[float, dict[int, int]] | None:
    """Optimal total score (and placements per tier) by a MILP, or None if infeasible.

    With ``lexicographic`` the tier counts are maximised one tier at a time first.
    """
    seekers, posts, cands = instance.seekers, instance.posts, instance.candidates
    n = len(cands)
    if n == 0:
        feasible = all(f == 0 for f in instance.tier_floors.values()) and all(
            f == 0 for f in instance.group_floors.values()
        )
        return (0.0, {}) if feasible else None
    seeker_row = {s: i for i, s in enumerate(seekers["seeker_id"])}
    post_row = {p: j for j, p in enumerate(posts["post_id"])}
    k_seeker = np.array([seeker_row[s] for s in cands["seeker_id"]])
    k_post = np.array([post_row[p] for p in cands["post_id"]])
    tier = seekers["tier"].to_numpy()[k_seeker]
    rows: list[tuple[np.ndarray, float, float]] = []

    def add(mask: np.ndarray, low: float, high: float) -> None:
        rows.append((mask.astype(float), low, high))

    for i in range(len(seekers)):
        add(k_seeker == i, 0, 1)
    for j, cap in enumerate(posts["capacity"]):
        add(k_post == j, 0, cap)
    city = posts["city"].to_numpy()[k_post]
    for name, cap in instance.city_caps.items():
        add(city == name, 0, cap)
    for t, floor in instance.tier_floors.items():
        add(tier == t, floor, np.inf)
    for group, floor in instance.group_floors.items():
        add(seekers[group].to_numpy()[k_seeker].astype(bool), floor, np.inf)
    family = seekers["family_id"].to_numpy()[k_seeker]
    zero = seekers["zero_employment"].to_numpy()[k_seeker].astype(bool)
    for name in sorted(set(family) - {""}):
        in_family = family == name
        if instance.families and (zero & in_family).any():
            add(in_family, 1, np.inf)
        if instance.one_per_family:
            add(in_family, 0, 1)

    def solve(
        objective: np.ndarray, extra: list[tuple[np.ndarray, float, float]]
    ) -> np.ndarray | None:
        matrix = lil_matrix((len(rows) + len(extra), n))
        lows, highs = [], []
        for r, (coef, low, high) in enumerate(rows + extra):
            matrix[r, :] = coef
            lows.append(low)
            highs.append(high)
        result = milp(
            -objective,
            constraints=LinearConstraint(matrix.tocsr(), lows, highs),
            integrality=np.ones(n),
            bounds=Bounds(0, 1),
        )
        if result.status == 2:
            return None
        assert result.status == 0, result.message
        return np.round(result.x)

    scores = cands["score"].to_numpy(dtype=float)
    extra: list[tuple[np.ndarray, float, float]] = []
    if lexicographic:
        for t in sorted(set(seekers["tier"])):
            x = solve((tier == t).astype(float), extra)
            if x is None:
                return None
            extra.append(((tier == t).astype(float), float(x[tier == t].sum()), np.inf))
    x = solve(scores, extra)
    if x is None:
        return None
    counts = {int(t): int(x[tier == t].sum()) for t in sorted(set(seekers["tier"]))}
    return float(scores @ x), counts


def serial_dictatorship_loop(
    instance: Instance, order: list[str], city_caps: dict[str, int] | None = None
) -> dict[str, str]:
    """Each seeker in ``order`` takes the best remaining post (score desc, post id asc)."""
    left = dict(zip(instance.posts["post_id"], instance.posts["capacity"], strict=True))
    city = dict(zip(instance.posts["post_id"], instance.posts["city"], strict=True))
    city_left = dict(city_caps or {})
    result: dict[str, str] = {}
    cands = instance.candidates
    for seeker in order:
        mine = cands[cands["seeker_id"] == seeker].sort_values(
            ["score", "post_id"], ascending=[False, True]
        )
        for post in mine["post_id"]:
            if left[post] > 0 and city_left.get(city[post], 1) > 0:
                left[post] -= 1
                if city[post] in city_left:
                    city_left[city[post]] -= 1
                result[seeker] = post
                break
    return result
