"""Fairness metrics of allocations, mechanism benchmarks and the published report.

``measure_allocation`` measures one allocation (by tier, city, sex and priority group; justified
envy and waste; unused capacity; family coverage; inequality across cities; choice ranks;
floors; quota fill). :mod:`matcher.fairness.bench` runs every mechanism on generated instances and
:mod:`matcher.fairness.report` writes the HTML, Markdown and CSV report. See ``docs/fairness.md``.
Nothing heavy (fairlearn, matplotlib, jinja2) is imported until it is used.
"""

from matcher.fairness.envy import EnvyCounts, count_envy_and_waste
from matcher.fairness.frame import BREAKDOWN_COLUMNS, breakdown, membership_breakdown
from matcher.fairness.inequality import (
    TheilDecomposition,
    atkinson,
    gini,
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
    "gini",
    "group_memberships",
    "lorenz_curve",
    "measure_allocation",
    "membership_breakdown",
    "theil_decomposition",
]
