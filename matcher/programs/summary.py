"""Summary tables of a dataset: who is registered where, which posts exist, who is eligible.

Plain functions returning DataFrames; the CLI and reports decide how to show them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from matcher import reference
from matcher.policy.rules import CompiledPolicy
from matcher.programs.posts import open_mask


def _city_index() -> pd.Index:
    cities = reference.cities()
    labels = cities["name"] + " " + cities["pinyin"]
    return pd.Index(labels.to_numpy(), name="city")


def _label_cities(frame: pd.DataFrame) -> pd.DataFrame:
    codes = reference.city_codes()
    frame = frame.reindex(codes, fill_value=0)
    frame.index = _city_index()
    return frame


def seekers_by_city_and_group(
    seekers: pd.DataFrame, eligibility: pd.DataFrame, policy: CompiledPolicy
) -> pd.DataFrame:
    """Seekers per city (rows) and priority group of ``policy`` (columns, one per group, in tier
    order), counting a person once in every group they belong to; plus ``seekers`` and
    ``eligible`` totals."""
    columns: dict[str, pd.Series] = {"seekers": seekers.groupby("city").size()}
    columns["eligible"] = eligibility[eligibility["eligible"]].groupby("city").size()
    # One row per (seeker, group), split once for every group (a person counts once a group).
    membership = (
        pd.DataFrame(
            {
                "row": range(len(eligibility)),
                "city": eligibility["city"].to_numpy(),
                "group": eligibility["groups"].fillna("").str.split("|").to_numpy(),
            }
        )
        .explode("group")
        .drop_duplicates(["row", "group"])
    )
    by_group = membership.groupby(["group", "city"]).size().unstack("group")
    for group in policy.groups:
        columns[group.short] = (
            by_group[group.id] if group.id in by_group.columns else pd.Series(dtype=int)
        )
    table = pd.DataFrame(columns).fillna(0).astype(int)
    table = _label_cities(table)
    table.loc["合计 total"] = table.sum()
    return table


def posts_by_program_and_city(posts: pd.DataFrame) -> pd.DataFrame:
    """Open places per city (rows) and program (columns), with totals."""
    open_posts = posts.loc[open_mask(posts)]
    table = open_posts.pivot_table(
        index="city", columns="program", values="capacity", aggfunc="sum", fill_value=0
    )
    table = _label_cities(table.astype(int))
    table.columns.name = None
    table.loc["合计 total"] = table.sum()
    return table


def eligible_counts(eligibility_by_program: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per program (rows): seekers evaluated, eligible, and eligible per tier (columns)."""
    rows = {}
    for program, result in eligibility_by_program.items():
        eligible = result[result["eligible"]]
        row: dict[str, int] = {"seekers": len(result), "eligible": len(eligible)}
        for tier, count in eligible["tier"].value_counts().sort_index().items():
            row[f"tier {tier}"] = int(count)
        rows[program] = row
    table = pd.DataFrame.from_dict(rows, orient="index").fillna(0).astype(int)
    tier_columns = sorted(
        (c for c in table.columns if c.startswith("tier ")), key=lambda c: int(c.split()[1])
    )
    return table[["seekers", "eligible", *tier_columns]]
