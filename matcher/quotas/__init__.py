"""City quotas: apportion the province's posts to regions by need, within bounds.

- :mod:`matcher.quotas.methods`: exact apportionment (Hamilton and the five divisor methods) with
  per-region bounds and tie detection; :func:`~matcher.quotas.methods.apportion` is the entry point.
- :mod:`matcher.quotas.weights`: the validated weights table and bound presets.
- :mod:`matcher.quotas.explain`: per-region explanations and every method side by side.
- :mod:`matcher.quotas.paradox`: the house-monotonicity (Alabama paradox) audit.
- :mod:`matcher.quotas.need`: need per region from the eligibility table.
- :mod:`matcher.quotas.levels`: the second level (city -> districts, urban / rural).
"""

from matcher.quotas.methods import (
    ALIASES,
    METHODS,
    Apportionment,
    ApportionmentParameterError,
    ApportionmentTieError,
    Tie,
    apportion,
    resolve_method,
    seat_range,
)

__all__ = [
    "ALIASES",
    "METHODS",
    "Apportionment",
    "ApportionmentParameterError",
    "ApportionmentTieError",
    "Tie",
    "apportion",
    "resolve_method",
    "seat_range",
]
