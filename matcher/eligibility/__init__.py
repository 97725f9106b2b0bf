"""Eligibility and priority tiers per program, from the rules files in ``data/policies/``."""

from matcher.eligibility.engine import (
    AGE_LIMIT,
    ELIGIBILITY_COLUMNS,
    NO_GROUP,
    eligibility_for_dir,
    evaluate_eligibility,
)

__all__ = [
    "AGE_LIMIT",
    "ELIGIBILITY_COLUMNS",
    "NO_GROUP",
    "eligibility_for_dir",
    "evaluate_eligibility",
]
