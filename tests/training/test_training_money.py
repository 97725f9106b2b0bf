"""Money rules: subsidies per trainee, the exact advance/balance split, the rules file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.errors import DataValidationError, PolicyFileError
from matcher.training.checker import expected_subsidy
from matcher.training.rules import load_budget_rules
from matcher.training.subsidy import split_advance, subsidy_per_trainee


def _sessions(kind: str, hours: int, rate: float) -> pd.DataFrame:
    return pd.DataFrame({"kind": [kind], "hours": [hours], "subsidy_per_hour": [rate]})


def test_syb_200_hours_at_10_yuan_is_2000_split_1000_and_1000() -> None:
    rules = load_budget_rules()
    subsidy = subsidy_per_trainee(_sessions("syb", 200, 10.0), rules)
    assert subsidy.tolist() == [2000]
    advance, balance = split_advance(subsidy, rules.payment.advance_percent)
    assert (advance.tolist(), balance.tolist()) == ([1000], [1000])


def test_syb_below_200_hours_or_above_10_yuan_is_rejected_with_its_row() -> None:
    rules = load_budget_rules()
    frame = pd.DataFrame(
        {
            "kind": ["syb", "syb", "universal"],
            "hours": [150, 200, 100],
            "subsidy_per_hour": [10.0, 12.0, 12.0],
        }
    )
    with pytest.raises(DataValidationError) as raised:
        subsidy_per_trainee(frame, rules)
    found = {(p.row, p.column) for p in raised.value.problems}
    assert found == {(2, "hours"), (3, "subsidy_per_hour")}


def test_on_the_job_is_capped_at_half_the_cost() -> None:
    rules = load_budget_rules()
    cost_per_hour = rules.on_the_job.cost_per_hour
    generous = float(cost_per_hour)  # a rate equal to the whole cost is cut to the cap
    subsidy = subsidy_per_trainee(_sessions("on_the_job", 80, generous), rules)
    assert subsidy.tolist() == [80 * cost_per_hour * rules.on_the_job.max_cost_share_percent // 100]
    modest = subsidy_per_trainee(_sessions("on_the_job", 80, 1.0), rules)
    assert modest.tolist() == [80]


@settings(max_examples=200, deadline=None)
@given(
    amounts=st.lists(st.integers(0, 100_000), min_size=1, max_size=20),
    percent=st.integers(0, 100),
)
def test_split_is_exact_and_the_advance_never_exceeds_its_share(
    amounts: list[int], percent: int
) -> None:
    advance, balance = split_advance(np.asarray(amounts), percent)
    assert (advance + balance).tolist() == amounts
    assert all(100 * a <= percent * t for a, t in zip(advance.tolist(), amounts, strict=True))


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["universal", "industry", "remote", "two_after", "on_the_job"]),
    hours=st.integers(1, 1000),
    rate_fen=st.integers(0, 2000),
)
def test_vectorised_subsidy_equals_the_checker_s_fraction_arithmetic(
    kind: str, hours: int, rate_fen: int
) -> None:
    rules = load_budget_rules()
    rate = rate_fen / 100
    assert subsidy_per_trainee(_sessions(kind, hours, rate), rules).tolist() == [
        expected_subsidy(kind, hours, rate, rules)
    ]


def test_rules_file_errors_name_the_field(tmp_path: Path) -> None:
    text = (
        Path(__file__).resolve().parents[2] / "data" / "policies" / "training_budget.toml"
    ).read_text(encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text(
        text.replace("advance_percent = 50", "advance_percent = 150").replace(
            'kinds = ["syb", "remote"]', 'kinds = ["syb", "teleport"]'
        ),
        encoding="utf-8",
    )
    with pytest.raises(PolicyFileError) as raised:
        load_budget_rules(broken)
    fields = {name for name, _ in raised.value.errors}
    assert fields == {"payment.advance_percent", "allowance.kinds"}
    missing = tmp_path / "missing.toml"
    missing.write_text(text.replace("[syb]\n", "[sybx]\n"), encoding="utf-8")
    with pytest.raises(PolicyFileError) as raised:
        load_budget_rules(missing)
    assert {name for name, _ in raised.value.errors} >= {"syb", "sybx"}
    with pytest.raises(PolicyFileError):
        load_budget_rules(tmp_path / "absent.toml")
