"""End to end on a generated province: every invariant, the money to the yuan, the optimum of
the full (session-level) problem by an independent MILP, and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from matcher.cli import main
from matcher.errors import MatcherError
from matcher.io.load import Dataset
from matcher.training.api import (
    TrainingAllocation,
    allocate_training,
    allocate_training_for_dir,
)
from matcher.training.checker import check_training_allocation
from matcher.training.payments import monthly_by_base
from matcher.training.rules import load_budget_rules
from matcher.training.scoring import expected_gain, score_training


def _run(
    dataset: Dataset, eligibility: pd.DataFrame, city: str, budget: int, **options: Any
) -> TrainingAllocation:
    return allocate_training(
        dataset["seekers"],
        dataset["households"],
        dataset["training_sessions"],
        dataset["posts"],
        city=city,
        budget_yuan=budget,
        reference_date=dataset.reference_date,
        eligibility=eligibility,
        **options,
    )


@pytest.mark.parametrize(("city", "budget"), [("2101", 150_000), ("2107", 60_000)])
def test_money_reconciles_to_the_yuan_and_checker_passes(
    training_dataset: Dataset, training_eligibility: pd.DataFrame, city: str, budget: int
) -> None:
    result = _run(training_dataset, training_eligibility, city, budget)
    placements, payments, summary = result.placements, result.payments, result.summary
    assert summary["status"] == "OPTIMAL"
    committed = int(
        (
            placements["subsidy_yuan"]
            + placements["travel_allowance_yuan"]
            + placements["lunch_allowance_yuan"]
        ).sum()
    )
    assert summary["committed_yuan"] == committed == int(payments["amount_yuan"].sum())
    assert summary["committed_yuan"] + summary["remaining_yuan"] == budget
    assert summary["remaining_yuan"] >= 0
    per_base_month = monthly_by_base(payments)
    assert int(per_base_month["amount_yuan"].sum()) == committed
    assert not per_base_month.duplicated(["month", "base_id"]).any()
    subsidies = payments[payments["item"].isin(["advance", "balance"])]
    assert int(subsidies["amount_yuan"].sum()) == int(placements["subsidy_yuan"].sum())
    assert placements["seeker_id"].is_unique
    # Nobody is both placed and unplaced; every seeker of the city is in one of the two.
    city_ids = set(
        training_dataset["seekers"].loc[training_dataset["seekers"]["city"] == city, "seeker_id"]
    )
    assert set(placements["seeker_id"]).isdisjoint(result.unplaced["seeker_id"])
    assert set(placements["seeker_id"]) | set(result.unplaced["seeker_id"]) == city_ids
    violations = check_training_allocation(
        placements,
        payments,
        training_dataset["training_sessions"],
        training_dataset["seekers"],
        training_eligibility,
        city,
        budget,
        load_budget_rules(),
    )
    assert violations == []
    # Advances fall before classes end and balances after: each balance no earlier than advance.
    by_session = payments.pivot_table(
        index="session_id", columns="item", values="due_date", aggfunc="first"
    )
    assert (by_session["advance"] <= by_session["balance"]).all()


def _session_level_optimum(
    dataset: Dataset, eligibility: pd.DataFrame, city: str, budget: int
) -> int:
    """The optimum over every (seeker, session) pair, one binary each, session capacities —
    no classes, no reduced-cost fixing: an independent formulation."""
    candidates = score_training(
        dataset["seekers"],
        eligibility,
        dataset["training_sessions"],
        dataset["posts"],
        city,
        dataset.reference_date,
        load_budget_rules(),
        top_k=None,
    )
    sessions = candidates.sessions
    arcs = candidates.arcs.merge(
        sessions[["klass", "session_id", "capacity"]].reset_index(names="session"), on="klass"
    )
    n = len(arcs)
    columns = np.arange(n)
    n_seekers = int(arcs["seeker"].max()) + 1
    seeker_rows = csr_matrix((np.ones(n), (arcs["seeker"], columns)), shape=(n_seekers, n))
    session_rows = csr_matrix((np.ones(n), (arcs["session"], columns)), shape=(len(sessions), n))
    budget_row = csr_matrix(arcs["cost_yuan"].to_numpy(float)[None, :])
    result = milp(
        -arcs["gain_units"].to_numpy(float),
        constraints=[
            LinearConstraint(seeker_rows, 0, 1),
            LinearConstraint(session_rows, 0, sessions["capacity"].to_numpy(float)),
            LinearConstraint(budget_row, 0, budget),
        ],
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    assert result.status == 0
    return round(-result.fun)


@pytest.mark.parametrize(("city", "budget"), [("2111", 20_000), ("2105", 45_000)])
def test_all_classes_optimum_equals_session_level_milp(
    training_dataset: Dataset, training_eligibility: pd.DataFrame, city: str, budget: int
) -> None:
    result = _run(training_dataset, training_eligibility, city, budget, top_k=None)
    assert result.summary["status"] == "OPTIMAL"
    expected = _session_level_optimum(training_dataset, training_eligibility, city, budget)
    assert result.summary["objective_units"] == expected


def test_more_budget_never_buys_less_gain(
    training_dataset: Dataset, training_eligibility: pd.DataFrame
) -> None:
    gains = [
        _run(training_dataset, training_eligibility, "2103", budget).summary["objective_units"]
        for budget in (0, 20_000, 60_000, 10_000_000)
    ]
    assert gains[0] == 0
    assert gains == sorted(gains)
    assert gains[1] < gains[-1]


def test_gain_grows_with_demand_and_interest_and_falls_with_distance() -> None:
    grid = np.linspace(0, 1, 11)
    assert np.all(np.diff(expected_gain(np.full(11, 0.5), grid, np.zeros(11))) > 0)
    assert np.all(np.diff(expected_gain(grid, np.full(11, 0.5), np.zeros(11))) > 0)
    assert np.all(np.diff(expected_gain(np.full(11, 0.5), np.full(11, 0.5), grid * 100)) < 0)


def test_checker_reports_every_violation(
    training_dataset: Dataset, training_eligibility: pd.DataFrame
) -> None:
    result = _run(training_dataset, training_eligibility, "2101", 150_000)
    placements = result.placements.copy()
    payments = result.payments.copy()
    first = placements.iloc[[0]]
    tampered = pd.concat([placements, first], ignore_index=True)  # a seeker placed twice
    subsidy = tampered["subsidy_yuan"].to_numpy(dtype=np.int64).copy()
    subsidy[1] += 1  # a subsidy the rules do not give
    tampered["subsidy_yuan"] = subsidy
    amount = payments["amount_yuan"].to_numpy(dtype=np.int64).copy()
    amount[0] -= 1  # one yuan missing from the schedule
    payments["amount_yuan"] = amount
    violations = check_training_allocation(
        tampered,
        payments,
        training_dataset["training_sessions"],
        training_dataset["seekers"],
        training_eligibility,
        "2101",
        1,  # a budget far too small
        load_budget_rules(),
        [("returning_migrant", "remote", 10_000)],
    )
    text = "\n".join(violations)
    for expected in ("placed 2 times", "rules give", "exceeds the budget", "payments sum", "floor"):
        assert expected in text


def test_cli_writes_three_files(training_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["training", "allocate", str(training_dir), "--city", "2101", "--budget", "100000",
              "--out", str(out)])  # fmt: skip
    assert exit_info.value.code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "payments.csv",
        "placements.csv",
        "unplaced.csv",
    ]
    placements = pd.read_csv(out / "placements.csv")
    payments = pd.read_csv(out / "payments.csv")
    assert {"seeker_id", "session_id", "subsidy_yuan", "reasons"} <= set(placements.columns)
    assert payments["amount_yuan"].sum() == (
        placements[["subsidy_yuan", "travel_allowance_yuan", "lunch_allowance_yuan"]].sum().sum()
    )


def test_cli_writes_what_the_library_returns_for_the_applicants(
    training_dir: Path, training_dataset: Dataset, tmp_path: Path
) -> None:
    # The CLI only parses, calls allocate_training_for_dir and writes: same tables, to the row.
    seekers = training_dataset["seekers"]
    local = seekers.loc[seekers["city"] == "2101", "seeker_id"].astype(str)
    applied = local.iloc[::2]
    pd.DataFrame({"seeker_id": applied}).to_csv(tmp_path / "applicants.csv", index=False)
    result = allocate_training_for_dir(
        training_dir, city="2101", budget_yuan=100_000, applicants=tmp_path / "applicants.csv"
    )
    assert len(result.placements) > 0
    assert set(result.placements["seeker_id"].astype(str)) <= set(applied)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["training", "allocate", str(training_dir), "--city", "2101", "--budget", "100000",
              "--applicants", str(tmp_path / "applicants.csv"), "--out", str(out)])  # fmt: skip
    assert exit_info.value.code == 0
    for name, table in (("placements", result.placements), ("unplaced", result.unplaced)):
        written = pd.read_csv(out / f"{name}.csv", dtype={"seeker_id": str})
        assert written["seeker_id"].tolist() == table["seeker_id"].astype(str).tolist()


def test_applicants_file_needs_a_seeker_id_column(training_dir: Path, tmp_path: Path) -> None:
    pd.DataFrame({"person": ["x"]}).to_csv(tmp_path / "applicants.csv", index=False)
    with pytest.raises(MatcherError, match="needs a seeker_id column"):
        allocate_training_for_dir(
            training_dir, city="2101", budget_yuan=1_000, applicants=tmp_path / "applicants.csv"
        )


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        (["--city", "2101", "--budget", "100000", "--floor", "returning_migrant:remote=100000"], 3),
        (["--city", "9999", "--budget", "100000"], 2),
        (["--city", "2101", "--budget", "100000", "--floor", "returning migrant=3"], 2),
        (["--city", "2101", "--budget", "-5"], 2),
    ],
)
def test_cli_failures_exit_with_codes_and_write_nothing(
    training_dir: Path, tmp_path: Path, arguments: list[str], code: int
) -> None:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["training", "allocate", str(training_dir), *arguments, "--out", str(out)])
    assert exit_info.value.code == code
    assert not out.exists() or not any(out.iterdir())
