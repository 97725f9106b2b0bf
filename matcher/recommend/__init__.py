"""Congestion-aware recommendation lists for seekers and shortlists for employers."""

from matcher.recommend.capped import (
    DEFAULT_LIST_LENGTH,
    DEFAULT_SLACK,
    LIST_COLUMNS,
    METHODS,
    Concentration,
    Recommendations,
    capped_lists,
    concentration,
    recommend,
    recommendation_caps,
    shortlists,
    top_k_lists,
)
from matcher.recommend.reasons import recommendation_reasons

__all__ = [
    "DEFAULT_LIST_LENGTH",
    "DEFAULT_SLACK",
    "LIST_COLUMNS",
    "METHODS",
    "Concentration",
    "Recommendations",
    "capped_lists",
    "concentration",
    "recommend",
    "recommendation_caps",
    "recommendation_reasons",
    "shortlists",
    "top_k_lists",
]
