"""Independent checker of a training allocation: capacity, eligibility, budget, money.

It re-derives every figure from the input tables and the rules with plain Python arithmetic
(``fractions.Fraction`` for rates), sharing no code with the scoring, solver or payment modules,
so a bug there cannot hide itself here. It collects every violation and raises one error.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

import pandas as pd

from matcher.errors import MatcherError
from matcher.training.rules import BudgetRules


class TrainingCheckError(MatcherError):
    """A training allocation broke an invariant; ``violations`` lists every one found."""

    def __init__(self, violations: list[str]) -> None:
        self.violations = violations
        shown = "\n".join(f"  - {v}" for v in violations[:50])
        super().__init__(f"training allocation failed {len(violations)} check(s):\n{shown}")


def expected_subsidy(kind: str, hours: int, rate: float, rules: BudgetRules) -> int:
    """Whole yuan per trainee for one session, computed from the rules directly."""
    amount = Fraction(hours) * Fraction(str(rate))
    if kind == "on_the_job":
        cost = Fraction(hours * rules.on_the_job.cost_per_hour)
        amount = min(amount, cost * Fraction(rules.on_the_job.max_cost_share_percent, 100))
    return math.floor(amount)


def check_training_allocation(
    placements: pd.DataFrame,
    payments: pd.DataFrame,
    sessions: pd.DataFrame,
    seekers: pd.DataFrame,
    eligibility: pd.DataFrame,
    city: str,
    budget_yuan: int,
    rules: BudgetRules,
    floors: Sequence[tuple[str, str | None, int]] = (),
) -> list[str]:
    """Every invariant the allocation breaks (empty list if none).

    Checks: each seeker at most once, known session of the city, session capacity, the kind open
    to an eligible seeker, remote stations within the seeker's district, the subsidy per trainee
    under the rules (SYB 200 hours at 10 yuan), the budget, the advance/balance split per
    session, the payment schedule summing to the committed money to the yuan, and the floors
    (``(group, kind or None, minimum)``).
    """
    violations: list[str] = []
    placed_seekers = set(placements["seeker_id"].astype(str))
    placed_sessions = set(placements["session_id"].astype(str))

    def rows(frame: pd.DataFrame, key: str, wanted: set[str], columns: list[str]) -> dict:
        # Only the rows the placements name, and only the columns checked: fast at any size.
        picked = frame.loc[frame[key].astype(str).isin(wanted), columns]
        return {str(r[key]): r for r in picked.to_dict("records")}

    session_rows = rows(
        sessions,
        "session_id",
        placed_sessions,
        ["session_id", "kind", "city", "district", "hours", "subsidy_per_hour", "capacity"],
    )
    seeker_rows = rows(
        seekers, "seeker_id", placed_seekers, ["seeker_id", "city", "district", "returning_migrant"]
    )
    elig_rows = rows(
        eligibility, "seeker_id", placed_seekers, ["seeker_id", "eligible", "kinds", "groups"]
    )

    counts = Counter(str(s) for s in placements["seeker_id"])
    violations += [f"seeker {s} placed {n} times" for s, n in counts.items() if n > 1]
    per_session = Counter(str(s) for s in placements["session_id"])
    committed = 0
    subsidy_by_session: Counter[str] = Counter()
    floor_counts = [0] * len(floors)
    for row in placements.to_dict("records"):
        seeker_id, session_id = str(row["seeker_id"]), str(row["session_id"])
        session = session_rows.get(session_id)
        seeker = seeker_rows.get(seeker_id)
        elig = elig_rows.get(seeker_id)
        if session is None or seeker is None or elig is None:
            violations.append(f"placement {seeker_id} → {session_id} names an unknown id")
            continue
        kind = str(session["kind"])
        if str(session["city"]) != city or str(seeker["city"]) != city:
            violations.append(f"placement {seeker_id} → {session_id} is outside city {city}")
        open_kinds = str(elig["kinds"] if pd.notna(elig["kinds"]) else "").split("|")
        if not bool(elig["eligible"]) or kind not in open_kinds:
            violations.append(f"seeker {seeker_id} is not eligible for {kind} training")
        if kind == "remote" and str(seeker["district"]) != str(session["district"]):
            violations.append(f"seeker {seeker_id} lives outside remote station {session_id}")
        if kind == "syb" and int(session["hours"]) < rules.syb.min_hours:
            violations.append(f"SYB session {session_id} has fewer than {rules.syb.min_hours} h")
        expected = expected_subsidy(
            kind, int(session["hours"]), float(session["subsidy_per_hour"]), rules
        )
        if int(row["subsidy_yuan"]) != expected:
            violations.append(
                f"{seeker_id} → {session_id}: subsidy {row['subsidy_yuan']} yuan, rules give "
                f"{expected}"
            )
        allowance = int(row["travel_allowance_yuan"]) + int(row["lunch_allowance_yuan"])
        if allowance and (
            not bool(seeker["returning_migrant"]) or kind not in rules.allowance.kinds
        ):
            violations.append(f"{seeker_id} gets allowances without being entitled")
        committed += int(row["subsidy_yuan"]) + allowance
        subsidy_by_session[session_id] += int(row["subsidy_yuan"])
        groups = str(elig["groups"] if pd.notna(elig["groups"]) else "").split("|")
        for position, (group, floor_kind, _) in enumerate(floors):
            if group in groups and (floor_kind is None or floor_kind == kind):
                floor_counts[position] += 1
    for session_id, taken in per_session.items():
        session = session_rows.get(session_id)
        if session is not None and taken > int(session["capacity"]):
            violations.append(
                f"session {session_id}: {taken} trainees, capacity {session['capacity']}"
            )
    if committed > budget_yuan:
        violations.append(f"committed {committed} yuan exceeds the budget of {budget_yuan} yuan")
    for (group, floor_kind, minimum), count in zip(floors, floor_counts, strict=True):
        if count < minimum:
            violations.append(
                f"floor {group}/{floor_kind or 'any'}: {count} placed, {minimum} required"
            )

    paid = int(payments["amount_yuan"].sum()) if len(payments) else 0
    if paid != committed:
        violations.append(f"payments sum to {paid} yuan, the placements commit {committed} yuan")
    by_item: dict[tuple[str, str], int] = {}
    for row in payments.to_dict("records"):
        key = (str(row["session_id"]), str(row["item"]))
        by_item[key] = by_item.get(key, 0) + int(row["amount_yuan"])
    for session_id, subsidy in subsidy_by_session.items():
        advance = by_item.get((session_id, "advance"), 0)
        balance = by_item.get((session_id, "balance"), 0)
        if advance + balance != subsidy:
            violations.append(
                f"session {session_id}: advance {advance} + balance {balance} ≠ subsidy {subsidy}"
            )
        # The advance is the advance share of each trainee's subsidy, rounded down per trainee.
        if advance > subsidy * rules.payment.advance_percent // 100:
            violations.append(f"session {session_id}: advance {advance} exceeds the advance share")
    return violations
