"""Who is eligible for a program, at which priority tier, and why — for every seeker at once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.eligibility.features import seeker_features
from matcher.io.load import load_dataset
from matcher.policy.expressions import evaluate
from matcher.policy.rules import CommonRules, CompiledPolicy, load_common, load_policy

# Why a seeker is not eligible, in the ``excluded_by`` column.
NO_GROUP = "no_group"
AGE_LIMIT = "age_limit"

ELIGIBILITY_COLUMNS: tuple[str, ...] = (
    "seeker_id", "city", "district", "program", "eligible", "tier", "need", "priority", "groups",
    "excluded_by", "reasons", "kinds",
)  # fmt: skip


def _join_labels(masks: list[tuple[str, np.ndarray]], size: int, sep: str = "|") -> np.ndarray:
    """Row-wise join of the labels whose mask is true (vectorised over rows)."""
    out = np.full(size, "", dtype=object)
    for label, mask in masks:
        add = np.where(out[mask] == "", label, out[mask] + sep + label)
        out[mask] = add
    return out


def evaluate_eligibility(
    seekers: pd.DataFrame,
    households: pd.DataFrame,
    policy: CompiledPolicy,
    reference_date: date,
    common: CommonRules | None = None,
) -> pd.DataFrame:
    """Eligibility of every seeker for one program.

    Parameters
    ----------
    seekers, households : DataFrame
        Validated tables (see ``matcher.schemas``).
    policy : CompiledPolicy
        The program's rules (``matcher.policy.load_policy``).
    reference_date : date
        Ages and durations are computed on this day.
    common : CommonRules, optional
        Retirement ages and working age; the shipped ``common.toml`` by default.

    Returns
    -------
    DataFrame
        One row per seeker in input order, columns :data:`ELIGIBILITY_COLUMNS`: ``eligible``
        (bool), ``tier`` (Int64, 1 highest, NA if not eligible), ``need`` (the need index of the
        policy's ``[priority.need]``, 0 without one), ``priority`` (the allocation order, 1
        first: tier, then need descending; :meth:`CompiledPolicy.priority_level`), ``groups``
        (``|``-separated ids of
        every group the person qualifies under, kept even when a requirement excludes them),
        ``excluded_by`` (``|``-separated failed requirement ids, ``age_limit`` or ``no_group``),
        ``reasons`` (Chinese with English), ``kinds`` (training kinds open to the seeker).
    """
    common = common or load_common()
    features = seeker_features(seekers, households, reference_date, common)
    params = {**policy.parameters}
    size = len(seekers)

    failed_requirements: list[tuple[str, np.ndarray]] = []
    requirement_text: list[tuple[str, np.ndarray]] = []
    meets_all = np.ones(size, dtype=bool)
    for requirement, expression in policy.requirements:
        holds = evaluate(expression, features, params).to_numpy()
        meets_all &= holds
        failed_requirements.append((requirement.id, ~holds))
        requirement_text.append((requirement.description, ~holds))

    age_ok = np.ones(size, dtype=bool)
    if policy.age_limit is not None:
        age_ok = evaluate(policy.age_limit[1], features, params).to_numpy()

    tier = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    qualifying: list[tuple[str, np.ndarray]] = []
    qualifying_labels: list[tuple[str, np.ndarray]] = []
    blocked_by_age = np.zeros(size, dtype=bool)
    for group in policy.groups:
        member = evaluate(group.when, features, params).to_numpy()
        qualifies = member & (age_ok | group.no_age_limit)
        blocked_by_age |= member & ~qualifies
        tier = np.where(qualifies, np.minimum(tier, group.tier), tier)
        qualifying.append((group.id, qualifies))
        qualifying_labels.append((group.label, qualifies))
    in_group = tier != np.iinfo(np.int64).max
    eligible = meets_all & in_group

    # 需要程度: within a tier, more groups and a hardship household go first (before the score).
    need = np.zeros(size, dtype=np.int64)
    need_terms: list[tuple[str, np.ndarray]] = []
    if policy.need is not None:
        n_groups = np.sum([mask for _, mask in qualifying], axis=0, dtype=np.int64)
        need += policy.need.per_group * n_groups
        for term, expression in policy.need.terms:
            holds = evaluate(expression, features, params).to_numpy(dtype=bool)
            need += term.points * holds
            need_terms.append((term.description, holds))
    # The need orders only the tiers the policy names (every tier by default).
    ordering = need
    if policy.need is not None and policy.need.tiers is not None:
        ordering = np.where(np.isin(tier, policy.need.tiers), need, 0)
    priority = policy.priority_level(np.where(in_group, tier, 1), ordering)

    excluded = _join_labels(failed_requirements, size)
    no_requirement_failed = excluded == ""
    excluded = np.where(
        no_requirement_failed & ~in_group,
        np.where(blocked_by_age, AGE_LIMIT, NO_GROUP),
        excluded,
    )

    group_text = _join_labels(qualifying_labels, size, sep="; ")
    failed_text = _join_labels(requirement_text, size, sep="; ")
    tier_text = pd.Series(tier).astype(str).to_numpy()
    need_text = np.full(size, "", dtype=object)
    if policy.need is not None:
        terms_text = _join_labels(need_terms, size, sep="; ")
        need_text = (
            ", 需要程度 need " + pd.Series(need).astype(str).to_numpy()
            + np.where(terms_text == "", "", " (" + terms_text + ")")
        )  # fmt: skip
    age_text = policy.age_limit[0].description if policy.age_limit else ""
    reasons = np.where(
        eligible,
        "符合 eligible, tier " + tier_text + need_text + ": " + group_text,
        np.where(
            ~no_requirement_failed,
            "不符合 not eligible: 未满足 requirement not met: " + failed_text,
            np.where(
                blocked_by_age,
                "不符合 not eligible: group needs the age limit — " + age_text,
                "不符合 not eligible: 不属于任何援助对象 belongs to no eligible group",
            ),
        ),
    )

    kinds = np.full(size, "", dtype=object)
    if policy.kinds:
        kind_masks = [
            (kind, evaluate(expression, features, params).to_numpy() & eligible)
            for kind, expression in policy.kinds.items()
        ]
        kinds = _join_labels(kind_masks, size)

    result = pd.DataFrame(
        {
            "seeker_id": seekers["seeker_id"].to_numpy(),
            "city": seekers["city"].to_numpy(),
            "district": seekers["district"].to_numpy(),
            "program": policy.program.id,
            "eligible": eligible,
            "tier": pd.array(np.where(eligible, tier, 0), dtype="Int64"),
            "need": pd.array(np.where(eligible, need, 0), dtype="Int64"),
            "priority": pd.array(np.where(eligible, priority, 0), dtype="Int64"),
            "groups": _join_labels(qualifying, size),
            "excluded_by": np.where(eligible, "", excluded),
            "reasons": reasons,
            "kinds": kinds,
        },
        index=seekers.index,
    )
    result.loc[~result["eligible"], ["tier", "need", "priority"]] = pd.NA
    for column in (
        "seeker_id",
        "city",
        "district",
        "program",
        "groups",
        "excluded_by",
        "reasons",
        "kinds",
    ):
        result[column] = result[column].astype("string")
    return result


def eligibility_for_dir(
    directory: str | Path,
    program: str,
    reference_date: date | None = None,
    *,
    preset: str | None = None,
) -> pd.DataFrame:
    """Load a dataset directory and evaluate one program's eligibility (see
    :func:`evaluate_eligibility`) under its rules file's own priority order or a named
    ``preset``; the reference date defaults to the dataset's own."""
    dataset = load_dataset(
        directory, reference_date=reference_date, tables=("seekers", "households")
    )
    policy = load_policy(program, preset=preset)
    return evaluate_eligibility(
        dataset["seekers"], dataset["households"], policy, dataset.reference_date
    )
