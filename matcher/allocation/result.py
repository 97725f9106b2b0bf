"""The ``Allocation`` result every mechanism returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

Mechanism = Literal["optimal", "lexicographic", "stable", "priority", "lottery"]
MECHANISMS: tuple[Mechanism, ...] = ("optimal", "lexicographic", "stable", "priority", "lottery")

#: Columns of ``Allocation.assignments`` (A.csv), in order; ``seat`` only with reserves.
ASSIGNMENT_COLUMNS = (
    "seeker_id",
    "post_id",
    "city",
    "tier",
    "score",
    "choice_rank",
    "mechanism",
    "reason_code",
    "reason",
)
#: Columns of ``Allocation.unplaced`` (U.csv), in order.
UNPLACED_COLUMNS = ("seeker_id", "tier", "n_candidates", "best_score", "reason_code", "reason")


@dataclass(frozen=True)
class Allocation:
    """The outcome of one allocation run.

    Attributes
    ----------
    assignments : pandas.DataFrame
        One row per placed seeker: ``seeker_id``, ``post_id``, ``city``, ``tier``, ``score``,
        ``choice_rank`` (1 = the seeker's best candidate), ``mechanism``, ``reason_code``,
        ``reason``, and ``seat`` (``reserved``/``open``) when reserves were used.
    unplaced : pandas.DataFrame
        One row per seeker of the seekers table left without a post: ``seeker_id``, ``tier``,
        ``n_candidates``, ``best_score``, ``reason_code``, ``reason``.
    status : str
        ``optimal`` (certified by the solver), ``feasible`` (a time limit stopped a general
        solver before proving optimality) or ``complete`` (a finished matching mechanism).
    objective : float
        Total score of the placements.
    solver_seconds : float
        Wall time spent in the solver or mechanism (excluding validation and reasons).
    mechanism : str
        The mechanism used.
    constraints : tuple of str
        The constraints applied, in words (e.g. ``city caps (14 cities)``).
    processing_order : str or None
        For reserves, ``reserved_first`` or ``reserved_last``.
    notes : tuple of str
        How the solve went (solver used, number of solves, gap), for the record.
    """

    assignments: pd.DataFrame
    unplaced: pd.DataFrame
    status: str
    objective: float
    solver_seconds: float
    mechanism: str
    constraints: tuple[str, ...] = ()
    processing_order: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_placed(self) -> int:
        """Number of placed seekers."""
        return len(self.assignments)

    def summary(self) -> dict[str, object]:
        """A flat, JSON-friendly summary for logs, the API and run history."""
        return {
            "mechanism": self.mechanism,
            "status": self.status,
            "placed": self.n_placed,
            "unplaced": len(self.unplaced),
            "objective": self.objective,
            "solver_seconds": self.solver_seconds,
            "constraints": list(self.constraints),
            "processing_order": self.processing_order,
            "notes": list(self.notes),
        }
