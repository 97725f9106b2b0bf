"""The independent checker: verifies an allocation against the raw tables and rules.

It deliberately shares no code with the solvers: it reads the user's frames (not the encoded
arrays) and recounts everything with plain pandas group-bys, so a bug in the encoding or in a
solver cannot hide itself. Every violation is collected and one :class:`AllocationCheckError`
lists them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher.errors import MatcherError
from matcher.frames import isin


@dataclass(frozen=True)
class Violation:
    """One broken rule in an allocation."""

    rule: str  # e.g. "capacity", "city_cap", "tier_floor", "family_guarantee", "pair"
    subject: str  # e.g. "post P0001", "city 2101", "tier 1", "family F00012"
    detail: str

    def __str__(self) -> str:
        return f"{self.rule} for {self.subject}: {self.detail}"


class AllocationCheckError(MatcherError):
    """An allocation broke one or more hard rules; ``violations`` lists every one.

    This signals a bug in a solver or mechanism, never a user error.
    """

    exit_code = 5

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        lines = [f"allocation failed {len(violations)} check(s):"]
        lines += [f"  - {v}" for v in violations[:50]]
        if len(violations) > 50:
            lines.append(f"  … and {len(violations) - 50} more")
        super().__init__("\n".join(lines))


def _as_bool(series: pd.Series) -> pd.Series:
    text = series.astype(str).str.strip().str.lower()
    return text.isin(["1", "true", "yes", "1.0"])


def find_violations(
    assignments: pd.DataFrame,
    seekers: pd.DataFrame,
    posts: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    city_caps: Mapping[str, int] | None = None,
    tier_floors: Mapping[int, int] | None = None,
    group_floors: Mapping[str, int] | None = None,
    family_guarantee: bool = False,
    one_per_family: bool = False,
) -> list[Violation]:
    """Every hard rule the assignments break (an empty list when all hold).

    Parameters
    ----------
    assignments : pandas.DataFrame
        ``seeker_id``, ``post_id``: one row per placement.
    seekers, posts, candidates : pandas.DataFrame
        The input tables as given (``tier`` absent means 1; ``city`` absent means none).
    city_caps, tier_floors, group_floors : mapping, optional
        Caps per city, floors per tier, floors per boolean group column of ``seekers``.
    family_guarantee : bool
        Check (三十九): every zero-employment family with a member holding a candidate pair has at
        least one member placed.
    one_per_family : bool
        Check that no family has two members placed.
    """
    found: list[Violation] = []
    placed = assignments[["seeker_id", "post_id"]]

    # One post per seeker.
    repeated = placed["seeker_id"][placed["seeker_id"].duplicated()]
    for seeker in repeated.unique()[:100]:
        found.append(Violation("one_post_per_seeker", f"seeker {seeker}", "placed more than once"))

    # Only pairs from the candidate table (which also rules out unknown seekers and posts).
    if len(placed) and len(candidates):
        # Narrow the candidate table to placed seekers first: hashing 15 million pairs for a
        # merge costs seconds, a membership test of one column a fraction of that.
        relevant = isin(candidates["seeker_id"], placed["seeker_id"])
        pairs = placed.merge(
            candidates.loc[relevant, ["seeker_id", "post_id"]],
            on=["seeker_id", "post_id"],
            how="left",
            indicator=True,
        )
        not_candidate = pairs[pairs["_merge"] == "left_only"]
    else:
        not_candidate = placed
    for row in not_candidate.head(100).itertuples():
        found.append(
            Violation("pair", f"seeker {row.seeker_id}", f"post {row.post_id} is not a candidate")
        )

    # Post capacities.
    used = placed.groupby("post_id").size()
    capacity = pd.Series(
        pd.to_numeric(posts["capacity"]).to_numpy(), index=pd.Index(posts["post_id"])
    )
    over = used.sub(capacity.reindex(used.index).fillna(0))
    for post, excess in over[over > 0].items():
        found.append(Violation("capacity", f"post {post}", f"{int(excess)} over capacity"))

    # City caps.
    if city_caps:
        city_of = (
            pd.Series(posts["city"].astype(str).to_numpy(), index=pd.Index(posts["post_id"]))
            if "city" in posts
            else pd.Series("", index=pd.Index(posts["post_id"]))
        )
        per_city = city_of.reindex(placed["post_id"]).value_counts()
        for city, cap in city_caps.items():
            count = int(per_city.get(str(city), 0))
            if count > int(cap):
                found.append(
                    Violation("city_cap", f"city {city}", f"{count} placed, cap {int(cap)}")
                )

    seeker_rows = seekers.set_index("seeker_id")
    placed_seekers = seeker_rows.reindex(placed["seeker_id"].drop_duplicates())

    # Tier floors.
    if tier_floors:
        tiers = (
            pd.to_numeric(placed_seekers["tier"]).astype(int)
            if "tier" in placed_seekers
            else pd.Series(1, index=placed_seekers.index)
        )
        per_tier = tiers.value_counts()
        for tier, floor in tier_floors.items():
            count = int(per_tier.get(int(tier), 0))
            if count < int(floor):
                found.append(
                    Violation("tier_floor", f"tier {tier}", f"{count} placed, floor {int(floor)}")
                )

    # Group floors (overlapping boolean columns).
    for group, floor in (group_floors or {}).items():
        count = int(_as_bool(placed_seekers[group]).sum())
        if count < int(floor):
            found.append(
                Violation("group_floor", f"group {group}", f"{count} placed, floor {int(floor)}")
            )

    # Families.
    if (family_guarantee or one_per_family) and "family_id" in seekers:
        family = seekers["family_id"].astype("string").fillna("").str.strip()
        has_family = (family != "").to_numpy()
        placed_mask = isin(seekers["seeker_id"], placed["seeker_id"])
        family_placed = (
            pd.Series(placed_mask[has_family]).groupby(family.to_numpy()[has_family]).sum()
        )
        if one_per_family:
            for name, count in family_placed[family_placed > 1].items():
                found.append(
                    Violation("one_per_family", f"family {name}", f"{int(count)} members placed")
                )
        if family_guarantee:
            zero = _as_bool(seekers["zero_employment"]).to_numpy()
            has_candidate = isin(seekers["seeker_id"], candidates["seeker_id"])
            frame = pd.DataFrame(
                {
                    "family": family.to_numpy()[has_family],
                    "zero": zero[has_family],
                    "candidate": has_candidate[has_family],
                    "placed": placed_mask[has_family],
                }
            )
            per_family = frame.groupby("family").agg(
                zero=("zero", "any"), candidate=("candidate", "any"), placed=("placed", "sum")
            )
            missed = per_family[per_family["zero"] & per_family["candidate"]]
            for name in missed.index[missed["placed"].to_numpy() == 0]:
                found.append(
                    Violation(
                        "family_guarantee",
                        f"family {name}",
                        "zero-employment family (零就业家庭) with candidates has no member placed",
                    )
                )
    return found


def check_allocation(
    assignments: pd.DataFrame,
    seekers: pd.DataFrame,
    posts: pd.DataFrame,
    candidates: pd.DataFrame,
    **rules: object,
) -> None:
    """Raise :class:`AllocationCheckError` listing every violation; return quietly if none.

    Takes the same arguments as :func:`find_violations`.
    """
    violations = find_violations(assignments, seekers, posts, candidates, **rules)  # type: ignore[arg-type]
    if violations:
        raise AllocationCheckError(violations)


def blocking_pairs(
    assignments: pd.DataFrame,
    seekers: pd.DataFrame,
    posts: pd.DataFrame,
    candidates: pd.DataFrame,
) -> pd.DataFrame:
    """Pairs with justified envy under the ``stable`` preferences (empty when stable).

    A seeker prefers higher score (ties by post id ascending); a post ranks seekers by
    (tier, lottery, seeker id). ``(s, p)`` blocks when ``s`` prefers ``p`` to its own post (or
    is unplaced) and ``p`` has a free place or holds a seeker it ranks below ``s``.
    """
    table = seekers[["seeker_id"]].copy()
    table["tier"] = pd.to_numeric(seekers["tier"]) if "tier" in seekers else 1
    table["lottery"] = pd.to_numeric(seekers["lottery"]) if "lottery" in seekers else 0.0
    table = table.sort_values(["tier", "lottery", "seeker_id"], kind="stable")
    rank = pd.Series(np.arange(len(table)), index=pd.Index(table["seeker_id"]))

    cands = candidates[["seeker_id", "post_id", "score"]].copy()
    cands = cands.sort_values(
        ["seeker_id", "score", "post_id"], ascending=[True, False, True], kind="stable"
    )
    cands["pref"] = cands.groupby("seeker_id").cumcount()
    own_post = pd.Series(
        assignments["post_id"].to_numpy(dtype=object),
        index=pd.Index(assignments["seeker_id"].to_numpy(dtype=object)),
    )
    is_own = own_post.reindex(cands["seeker_id"].to_numpy(dtype=object)).to_numpy(
        dtype=object
    ) == cands["post_id"].to_numpy(dtype=object)
    own_pref = pd.Series(
        cands["pref"].to_numpy()[is_own],
        index=pd.Index(cands["seeker_id"].to_numpy(dtype=object)[is_own]),
    )
    cands["own_pref"] = own_pref.reindex(cands["seeker_id"]).astype(float).fillna(np.inf).to_numpy()
    wanted = cands[cands["pref"] < cands["own_pref"]].copy()

    capacity = pd.Series(
        pd.to_numeric(posts["capacity"]).to_numpy(), index=pd.Index(posts["post_id"])
    )
    held = assignments[["seeker_id", "post_id"]].copy()
    held["rank"] = rank.reindex(held["seeker_id"]).to_numpy()
    worst = held.groupby("post_id")["rank"].max()
    count = held.groupby("post_id").size()
    wanted["free"] = (
        count.reindex(wanted["post_id"]).fillna(0).to_numpy()
        < capacity.reindex(wanted["post_id"]).fillna(0).to_numpy()
    )
    wanted["worst"] = worst.reindex(wanted["post_id"]).fillna(-1).to_numpy()
    wanted["rank"] = rank.reindex(wanted["seeker_id"]).to_numpy()
    blocking = wanted[wanted["free"] | (wanted["rank"] < wanted["worst"])]
    return blocking[["seeker_id", "post_id"]].reset_index(drop=True)
