"""Input validation, the checker, reserves, rejections and the ``matcher allocate`` CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matcher.allocation import AllocationCheckError, allocate, build_problem, check_allocation
from matcher.allocation.api import reserve_spec
from matcher.cli import main
from matcher.errors import DataValidationError, InfeasibleError, MatcherError

SEEKERS = pd.DataFrame(
    {
        "seeker_id": ["a", "b", "c", "d"],
        "tier": [1, 2, 2, 1],
        "lottery": [3, 1, 2, 4],
        "family_id": ["F1", "F1", "F2", ""],
        "zero_employment": [1, 1, 0, 0],
    }
)
POSTS = pd.DataFrame({"post_id": ["p", "q"], "capacity": [1, 1], "city": ["2101", "2102"]})
CANDIDATES = pd.DataFrame(
    {
        "seeker_id": ["a", "b", "c", "c", "d"],
        "post_id": ["p", "q", "p", "q", "q"],
        "score": [0.1, 0.9, 0.8, 0.7, 0.5],
    }
)


def test_every_input_problem_is_reported_at_once() -> None:
    seekers = pd.DataFrame({"seeker_id": ["a", "a", "b"], "tier": ["1", "x", "0"]})
    posts = pd.DataFrame({"post_id": ["p", "q"], "capacity": [-1, 1.5]})
    candidates = pd.DataFrame(
        {
            "seeker_id": ["a", "zz", "b", "a"],
            "post_id": ["p", "p", "nope", "p"],
            "score": ["0.5", "high", "1", "1"],
        }
    )
    with pytest.raises(DataValidationError) as raised:
        build_problem(seekers, posts, candidates, tier_floors={1: -2})
    rules = {(p.file, p.column, p.rule) for p in raised.value.problems}
    assert ("seekers", "seeker_id", "duplicate id") in rules
    assert ("seekers", "tier", "not a finite number") in rules
    assert ("seekers", "tier", "must be at least 1") in rules
    assert ("posts", "capacity", "must be at least 0") in rules
    assert ("posts", "capacity", "not a whole number") in rules
    assert ("candidates", "score", "not a finite number") in rules
    assert ("candidates", "seeker_id", "unknown seeker (not in seekers)") in rules
    assert ("candidates", "post_id", "unknown post (not in posts)") in rules
    assert ("candidates", "post_id", "duplicate (seeker_id, post_id) pair") in rules
    assert ("tier_floors", "floor", "must be at least 0") in rules
    rows = {p.row for p in raised.value.problems if p.column == "score"}
    assert rows == {3}  # spreadsheet numbering: header row 1, "high" is on row 3


def test_missing_columns_are_named() -> None:
    with pytest.raises(DataValidationError) as raised:
        build_problem(
            SEEKERS[["seeker_id"]],
            POSTS[["post_id"]],
            CANDIDATES[["seeker_id", "post_id"]],
            family_guarantee=True,
        )
    missing = {(p.file, p.column) for p in raised.value.problems}
    assert missing == {
        ("posts", "capacity"),
        ("candidates", "score"),
        ("seekers", "family_id"),
        ("seekers", "zero_employment"),
    }


def test_checker_collects_every_violation() -> None:
    assignments = pd.DataFrame({"seeker_id": ["a", "c", "c", "b"], "post_id": ["q", "p", "q", "q"]})
    with pytest.raises(AllocationCheckError) as raised:
        check_allocation(
            assignments,
            SEEKERS,
            POSTS,
            CANDIDATES,
            city_caps={"2102": 1},
            tier_floors={1: 2},
            one_per_family=True,
        )
    rules = {v.rule for v in raised.value.violations}
    assert rules == {
        "one_post_per_seeker",
        "pair",
        "capacity",
        "city_cap",
        "tier_floor",
        "one_per_family",
    }


def test_checker_flags_an_unmet_family_guarantee() -> None:
    assignments = pd.DataFrame({"seeker_id": ["c", "d"], "post_id": ["p", "q"]})
    with pytest.raises(AllocationCheckError) as raised:
        check_allocation(assignments, SEEKERS, POSTS, CANDIDATES, family_guarantee=True)
    assert [v.subject for v in raised.value.violations] == ["family F1"]


def test_family_guarantee_places_a_member_at_a_cost_in_score() -> None:
    free = allocate(SEEKERS, POSTS, CANDIDATES)
    guaranteed = allocate(SEEKERS, POSTS, CANDIDATES, families=True)
    assert not set(free.assignments["seeker_id"]) & {"a", "b"} or free.objective >= 1.7
    assert set(guaranteed.assignments["seeker_id"]) & {"a", "b"}
    assert guaranteed.objective <= free.objective
    assert "family_guarantee" in set(guaranteed.assignments["reason_code"])


def test_infeasible_family_guarantee_names_the_family() -> None:
    posts = POSTS.assign(capacity=[0, 1])
    candidates = CANDIDATES[CANDIDATES["seeker_id"] != "b"]
    with pytest.raises(InfeasibleError) as raised:
        allocate(SEEKERS, posts, candidates, families=True)
    assert [(s.constraint, s.subject, s.missing) for s in raised.value.shortfalls] == [
        ("family_guarantee", "family F1 (零就业家庭)", 1)
    ]


def test_shortfalls_name_what_falls_short_in_typed_fields() -> None:
    # A family id with a space: callers read the id from the field, not from the message.
    seekers = SEEKERS.assign(family_id=SEEKERS["family_id"].replace("F1", "F 1"))
    posts = POSTS.assign(capacity=[0, 1])
    candidates = CANDIDATES[CANDIDATES["seeker_id"] != "b"]
    with pytest.raises(InfeasibleError) as raised:
        allocate(seekers, posts, candidates, families=True)
    [family] = raised.value.shortfalls
    assert (family.family_id, family.tier, family.city, family.group) == ("F 1", None, None, None)
    tiered = pd.DataFrame({"seeker_id": ["a", "b"], "tier": [1, 2]})
    one_post = pd.DataFrame({"post_id": ["p"], "capacity": [1]})
    pairs = pd.DataFrame({"seeker_id": ["a", "b"], "post_id": ["p", "p"], "score": [1, 1]})
    with pytest.raises(InfeasibleError) as raised:
        allocate(tiered, one_post, pairs, tier_floors={1: 1, 2: 1})
    assert [(s.constraint, s.tier, s.family_id) for s in raised.value.shortfalls] == [
        ("tier_floor", 1, None)
    ]


def test_uncoverable_families_reads_family_ids_with_spaces() -> None:
    from matcher.allocation.coverage import uncoverable_families

    seekers = SEEKERS.assign(family_id=SEEKERS["family_id"].replace("F1", "F 1"))
    posts = POSTS.assign(capacity=[0, 1])
    candidates = CANDIDATES[CANDIDATES["seeker_id"] != "b"]
    assert uncoverable_families(seekers, posts, candidates) == {"F 1"}


def test_tier_floor_possible_alone_but_not_together() -> None:
    seekers = pd.DataFrame({"seeker_id": ["a", "b"], "tier": [1, 2]})
    posts = pd.DataFrame({"post_id": ["p"], "capacity": [1]})
    candidates = pd.DataFrame({"seeker_id": ["a", "b"], "post_id": ["p", "p"], "score": [1, 1]})
    with pytest.raises(InfeasibleError) as raised:
        allocate(seekers, posts, candidates, tier_floors={1: 1, 2: 1})
    assert len(raised.value.shortfalls) == 1
    assert "not together" in raised.value.shortfalls[0].detail


@pytest.mark.parametrize("mechanism", ["stable", "priority", "lottery"])
def test_matching_mechanisms_reject_floors(mechanism: str) -> None:
    with pytest.raises(MatcherError, match="does not support tier floors"):
        allocate(SEEKERS, POSTS, CANDIDATES, mechanism=mechanism, tier_floors={1: 1})  # type: ignore[arg-type]


def test_stable_rejects_city_caps_clearly() -> None:
    with pytest.raises(MatcherError, match="does not support city caps"):
        allocate(SEEKERS, POSTS, CANDIDATES, mechanism="stable", city_caps={"2101": 1})


def test_reserves_report_processing_order_and_seats() -> None:
    seekers = pd.DataFrame(
        {
            "seeker_id": ["s1", "s2", "s3"],
            "tier": [1, 1, 1],
            "lottery": [1, 2, 3],
            "zero": [1, 0, 1],
        }
    )
    posts = pd.DataFrame({"post_id": ["p"], "capacity": [2]})
    candidates = pd.DataFrame(
        {"seeker_id": ["s1", "s2", "s3"], "post_id": ["p", "p", "p"], "score": [1.0, 1.0, 1.0]}
    )
    problem = build_problem(seekers, posts, candidates)
    outcomes = {}
    for order in ("reserved_first", "reserved_last"):
        spec = reserve_spec(problem, "zero", 0.5, order)
        result = allocate(seekers, posts, candidates, mechanism="stable", reserves=spec)
        assert result.processing_order == order
        assert set(result.assignments["seat"]) <= {"reserved", "open"}
        outcomes[order] = set(result.assignments["seeker_id"])
    # One reserved place for members (s1, s3): filled first, s1 takes it and s2 the open place;
    # filled last, s1 takes the open place and s3 the reserved one.
    assert outcomes == {"reserved_first": {"s1", "s2"}, "reserved_last": {"s1", "s3"}}


def test_unplaced_reasons() -> None:
    seekers = pd.DataFrame({"seeker_id": ["a", "b", "c", "d"], "tier": [1, 2, 2, 2]})
    posts = pd.DataFrame({"post_id": ["p", "q"], "capacity": [1, 1], "city": ["X", "Y"]})
    candidates = pd.DataFrame(
        {"seeker_id": ["a", "b", "c"], "post_id": ["p", "p", "q"], "score": [0.2, 0.9, 0.5]}
    )
    result = allocate(seekers, posts, candidates, mechanism="lexicographic", city_caps={"Y": 0})
    reasons = dict(zip(result.unplaced["seeker_id"], result.unplaced["reason_code"], strict=True))
    assert reasons == {
        "b": "outranked_by_higher_tier",
        "c": "city_quota_used",
        "d": "no_candidate",
    }


def _write_inputs(tmp_path: Path) -> list[str]:
    SEEKERS.to_csv(tmp_path / "S.csv", index=False)
    POSTS.to_csv(tmp_path / "P.csv", index=False)
    CANDIDATES.to_csv(tmp_path / "C.csv", index=False)
    return [
        "allocate",
        "--seekers",
        str(tmp_path / "S.csv"),
        "--posts",
        str(tmp_path / "P.csv"),
        "--candidates",
        str(tmp_path / "C.csv"),
        "--out",
        str(tmp_path / "A.csv"),
    ]


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    return int(exited.value.code or 0)


def test_cli_writes_assignments_and_unplaced(tmp_path: Path) -> None:
    argv = [*_write_inputs(tmp_path), "--families", "--unplaced", str(tmp_path / "U.csv")]
    assert _run(argv) == 0
    placed = pd.read_csv(tmp_path / "A.csv", dtype=str)
    unplaced = pd.read_csv(tmp_path / "U.csv", dtype=str)
    assert {"seeker_id", "post_id", "tier", "score", "choice_rank", "mechanism", "reason"} <= set(
        placed.columns
    )
    assert sorted(placed["seeker_id"].tolist() + unplaced["seeker_id"].tolist()) == list("abcd")


def test_cli_infeasible_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pd.DataFrame({"tier": [1], "floor": [3]}).to_csv(tmp_path / "F.csv", index=False)
    argv = [*_write_inputs(tmp_path), "--tier-floors", str(tmp_path / "F.csv")]
    assert _run([*argv, "--unplaced", str(tmp_path / "U.csv")]) == 3
    assert not (tmp_path / "A.csv").exists() and not (tmp_path / "U.csv").exists()
    assert "tier_floor for tier 1" in capsys.readouterr().err


def test_cli_bad_input_lists_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = _write_inputs(tmp_path)
    pd.DataFrame({"seeker_id": ["a"], "post_id": ["nope"], "score": ["x"]}).to_csv(
        tmp_path / "C.csv", index=False
    )
    assert _run(argv) == 2
    err = capsys.readouterr().err
    assert "unknown post" in err and "not a finite number" in err
    assert not (tmp_path / "A.csv").exists()


def test_cli_rejects_unknown_mechanism(tmp_path: Path) -> None:
    assert _run([*_write_inputs(tmp_path), "--mechanism", "fastest"]) == 2


def test_group_floor_met_by_the_relaxation_needs_no_general_solver() -> None:
    seekers = pd.DataFrame({"seeker_id": ["a", "b"], "disabled": [1, 0]})
    posts = pd.DataFrame({"post_id": ["p"], "capacity": [1]})
    candidates = pd.DataFrame({"seeker_id": ["a", "b"], "post_id": ["p", "p"], "score": [0.9, 0.1]})
    result = allocate(seekers, posts, candidates, group_floors={"disabled": 1})
    assert result.assignments["seeker_id"].tolist() == ["a"]
    assert any("relaxation" in note for note in result.notes)


def test_overlapping_group_floors_go_to_cp_sat() -> None:
    # Two places; b is in both groups, a and c in one each, d in none but scores best.
    # Floors 4050 >= 1 and disabled >= 1: d + a (1.2) lacks a disabled member, d + c (1.2) a
    # 4050 worker; the best allowed is d + b (1.1), beating a + c (0.6) and a + b, b + c.
    seekers = pd.DataFrame(
        {
            "seeker_id": ["a", "b", "c", "d"],
            "age4050": [1, 1, 0, 0],
            "disabled": [0, 1, 1, 0],
        }
    )
    posts = pd.DataFrame({"post_id": ["p"], "capacity": [2]})
    candidates = pd.DataFrame(
        {"seeker_id": list("abcd"), "post_id": ["p"] * 4, "score": [0.3, 0.2, 0.3, 0.9]}
    )
    result = allocate(seekers, posts, candidates, group_floors={"age4050": 1, "disabled": 1})
    assert sorted(result.assignments["seeker_id"]) == ["b", "d"]
    assert result.status == "optimal"
    assert any("CP-SAT" in note for note in result.notes)


def test_family_straddling_tiers_with_a_floor_is_solved_exactly() -> None:
    # Family F has a tier-1 and a tier-2 member, so tier and family nodes do not nest.
    seekers = pd.DataFrame(
        {
            "seeker_id": ["f1", "f2", "x"],
            "tier": [1, 2, 1],
            "family_id": ["F", "F", ""],
            "zero_employment": [1, 1, 0],
        }
    )
    posts = pd.DataFrame({"post_id": ["p", "q"], "capacity": [1, 1]})
    candidates = pd.DataFrame(
        {
            "seeker_id": ["f1", "f2", "x", "x"],
            "post_id": ["p", "q", "p", "q"],
            "score": [0.1, 0.5, 0.9, 0.8],
        }
    )
    # Tier 1 >= 1 and the family guarantee: x on p (0.9) + f2 on q (0.5) = 1.4 is best.
    result = allocate(seekers, posts, candidates, tier_floors={1: 1}, families=True)
    assert dict(
        zip(result.assignments["seeker_id"], result.assignments["post_id"], strict=True)
    ) == {
        "x": "p",
        "f2": "q",
    }
    assert any("CP-SAT" in note for note in result.notes)


def test_lagrangian_flows_certify_the_overlapping_group_optimum() -> None:
    from matcher.allocation import groups

    seekers = pd.DataFrame(
        {"seeker_id": list("abcd"), "age4050": [1, 1, 0, 0], "disabled": [0, 1, 1, 0]}
    )
    posts = pd.DataFrame({"post_id": ["p"], "capacity": [2]})
    candidates = pd.DataFrame(
        {"seeker_id": list("abcd"), "post_id": ["p"] * 4, "score": [0.3, 0.2, 0.3, 0.9]}
    )
    problem = build_problem(seekers, posts, candidates, group_floors={"age4050": 1, "disabled": 1})
    solution = groups.solve_lagrangian(problem, time_limit=30)
    assert solution is not None and solution.status == "optimal"
    assert sorted(problem.candidates["seeker_id"].iloc[solution.chosen]) == ["b", "d"]


def test_cli_stable_with_reserves_reports_the_processing_order(tmp_path: Path) -> None:
    argv = [
        *_write_inputs(tmp_path),
        "--mechanism",
        "stable",
        "--reserve-group",
        "zero_employment",
        "--reserve-share",
        "1",
        "--reserve-order",
        "reserved_last",
    ]
    assert _run(argv) == 0
    placed = pd.read_csv(tmp_path / "A.csv", dtype=str)
    assert set(placed["processing_order"]) == {"reserved_last"}
    assert set(placed["seat"]) <= {"reserved", "open"}


def test_cli_every_constraint_file_and_flag(tmp_path: Path) -> None:
    pd.DataFrame({"city": ["2101", "2102"], "cap": [1, 1]}).to_csv(
        tmp_path / "CAPS.csv", index=False
    )
    pd.DataFrame({"tier": [2], "floor": [1]}).to_csv(tmp_path / "F.csv", index=False)
    pd.DataFrame({"group": ["zero_employment"], "floor": [1]}).to_csv(
        tmp_path / "G.csv", index=False
    )
    argv = [
        *_write_inputs(tmp_path),
        "--mechanism",
        "lexicographic",
        "--city-caps",
        str(tmp_path / "CAPS.csv"),
        "--tier-floors",
        str(tmp_path / "F.csv"),
        "--group-floors",
        str(tmp_path / "G.csv"),
        "--one-per-family",
        "--families",
        "--time-limit",
        "10",
    ]
    assert _run(argv) == 0
    placed = pd.read_csv(tmp_path / "A.csv", dtype=str)
    # Two places (p in 2101, q in 2102, one per city). Tier 1 alone could take both (a on p,
    # d on q), but the tier-2 floor needs one of them, so the most tier-1 placements is 1.
    check_allocation(
        placed,
        SEEKERS,
        POSTS,
        CANDIDATES,
        city_caps={"2101": 1, "2102": 1},
        tier_floors={2: 1},
        group_floors={"zero_employment": 1},
        family_guarantee=True,
        one_per_family=True,
    )
    assert (placed["tier"] == "1").sum() == 1


def test_cli_defaults_to_the_policy_mechanism_for_tiered_seekers(tmp_path: Path) -> None:
    # No --mechanism: S.csv has tiers, so lexicographic (tier 1 first: a and d), with the
    # family guarantee since S.csv names families; optimal would take b and c (0.9 + 0.8).
    assert _run(_write_inputs(tmp_path)) == 0
    placed = pd.read_csv(tmp_path / "A.csv", dtype=str)
    assert dict(zip(placed["seeker_id"], placed["post_id"], strict=True)) == {"a": "p", "d": "q"}
    assert set(placed["mechanism"]) == {"lexicographic"}
    argv = [*_write_inputs(tmp_path), "--mechanism", "optimal", "--no-families"]
    assert _run(argv) == 0
    placed = pd.read_csv(tmp_path / "A.csv", dtype=str)
    assert dict(zip(placed["seeker_id"], placed["post_id"], strict=True)) == {"b": "q", "c": "p"}


def test_cli_default_family_guarantee_names_families_it_cannot_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _write_inputs(tmp_path)
    # F1 (through a) and F2 (through c) both need the one place of p: the default guarantee
    # holds for one of them and names the other.
    pd.DataFrame(
        {"seeker_id": ["a", "c", "d"], "post_id": ["p", "p", "q"], "score": [0.1, 0.9, 0.5]}
    ).to_csv(tmp_path / "C.csv", index=False)
    SEEKERS.assign(zero_employment=[1, 1, 1, 0]).to_csv(tmp_path / "S.csv", index=False)
    assert _run(argv) == 0
    assert "not attainable for 1 families" in capsys.readouterr().err
    # Asked for explicitly, the guarantee is for every family or an explanation (exit 3).
    assert _run([*argv, "--families"]) == 3


def test_cli_default_mechanism_reads_a_gbk_seekers_file(tmp_path: Path) -> None:
    # The default is decided from the seekers table as read_problem reads it: a GBK CSV (as
    # Chinese Excel saves it) still has its tiers, so lexicographic, not optimal.
    argv = _write_inputs(tmp_path)
    SEEKERS.assign(note="备注").to_csv(tmp_path / "S.csv", index=False, encoding="gbk")
    assert _run(argv) == 0
    placed = pd.read_csv(tmp_path / "A.csv", dtype=str, encoding="utf-8-sig")
    assert set(placed["mechanism"]) == {"lexicographic"}
    assert dict(zip(placed["seeker_id"], placed["post_id"], strict=True)) == {"a": "p", "d": "q"}
