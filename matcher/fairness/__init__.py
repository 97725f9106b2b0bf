"""Fairness measures of allocations.

``measure_allocation`` measures one allocation (by tier, city, sex and priority group; justified
envy and waste; unused capacity; family coverage; inequality across cities; choice ranks;
floors; quota fill). The package depends on the allocation problem only, so anything may measure
with it; the mechanism benchmark and the published report that use it are in
:mod:`matcher.reports`. See ``docs/fairness.md``. fairlearn is imported only when a breakdown is
computed.
"""

from matcher.fairness.envy import EnvyCounts, count_envy_and_waste
from matcher.fairness.frame import BREAKDOWN_COLUMNS, breakdown, membership_breakdown
from matcher.fairness.inequality import (
    TheilDecomposition,
    atkinson,
    gallagher,
    gini,
    loosemore_hanby,
    lorenz_curve,
    theil_decomposition,
)
from matcher.fairness.metrics import (
    FairnessMeasures,
    chosen_arcs,
    group_memberships,
    measure_allocation,
)

__all__ = [
    "BREAKDOWN_COLUMNS",
    "EnvyCounts",
    "FairnessMeasures",
    "TheilDecomposition",
    "atkinson",
    "breakdown",
    "chosen_arcs",
    "count_envy_and_waste",
    "gallagher",
    "gini",
    "group_memberships",
    "loosemore_hanby",
    "lorenz_curve",
    "measure_allocation",
    "membership_breakdown",
    "theil_decomposition",
]
