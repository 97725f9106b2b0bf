"""``matcher fairness`` (measure one allocation) from the command line; ``matcher bench-fairness``
is tested with the reports, in tests/reports/test_bench_fairness_cli.py."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from matcher.cli import main


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    code = exit_info.value.code
    return int(code) if isinstance(code, int) else 1


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """The three-seeker instance of tests/examples/test_fairness_examples.py."""
    pd.DataFrame(
        {
            "seeker_id": ["s1", "s2", "s3"],
            "tier": [1, 2, 2],
            "lottery": [1, 2, 3],
            "city": ["X", "Y", "Y"],
            "sex": ["F", "M", "F"],
        }
    ).to_csv(tmp_path / "S.csv", index=False)
    pd.DataFrame(
        {"post_id": ["pA", "pB", "pC"], "capacity": [1, 1, 1], "city": ["X", "Y", "Y"]}
    ).to_csv(tmp_path / "P.csv", index=False)
    pd.DataFrame(
        {
            "seeker_id": ["s1", "s1", "s2", "s2", "s3", "s3"],
            "post_id": ["pA", "pB", "pA", "pB", "pA", "pC"],
            "score": [0.9, 0.5, 0.8, 0.7, 0.6, 0.3],
        }
    ).to_csv(tmp_path / "C.csv", index=False)
    pd.DataFrame({"seeker_id": ["s2", "s1"], "post_id": ["pA", "pB"]}).to_csv(
        tmp_path / "A.csv", index=False
    )
    return tmp_path


def _args(directory: Path, allocation: str = "A.csv") -> list[str]:
    return [
        "fairness",
        "--seekers",
        str(directory / "S.csv"),
        "--posts",
        str(directory / "P.csv"),
        "--candidates",
        str(directory / "C.csv"),
        "--allocation",
        str(directory / allocation),
    ]


def test_json_contract(inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run([*_args(inputs), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # Worked out in tests/examples/test_fairness_examples.py: s1 envies s2 at pA; pC is free
    # and wanted by s3; tier 1: 1 of 1 placed, tier 2: 1 of 2; value 0.8 + 0.5.
    assert data["justified_envy_pairs"] == 1
    assert data["wasteful_pairs"] == 1
    assert data["placement_rate_by_tier"] == {"1": 1.0, "2": 0.5}
    assert data["unused_capacity"] == 1
    assert data["unused_capacity_by_post"] == {"pC": 1}
    assert data["total_value"] == pytest.approx(1.3)


def test_report_directory(inputs: Path) -> None:
    out = inputs / "report"
    assert _run([*_args(inputs), "--out", str(out)]) == 0
    assert json.loads((out / "fairness.json").read_text())["wasteful_pairs"] == 1
    html = (out / "fairness-report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html
    assert (out / "fairness-report.md").exists()
    breakdowns = pd.read_csv(out / "fairness_breakdowns.csv")
    assert set(breakdowns["by"]) == {"tier", "city", "sex"}


def test_bad_allocation_is_reported_and_nothing_is_written(
    inputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # s3 -> pB is not a candidate pair; s9 is nobody; s1 twice.
    pd.DataFrame(
        {"seeker_id": ["s3", "s9", "s1", "s1"], "post_id": ["pB", "pA", "pA", "pB"]}
    ).to_csv(inputs / "bad.csv", index=False)
    out = inputs / "report"
    assert _run([*_args(inputs, "bad.csv"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "not a candidate pair" in err
    assert "unknown seeker" in err
    assert "placed more than once" in err
    assert not out.exists()


def test_filled_and_closed_posts_are_warned_about_as_unused_capacity(
    inputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A dataset's posts table as it is: pC filled, a closed pD and an unreached pE beside them.
    pd.DataFrame(
        {
            "post_id": ["pA", "pB", "pC", "pD", "pE"],
            "capacity": [1, 1, 1, 4, 2],
            "city": ["X", "Y", "Y", "Y", "X"],
            "status": ["open", "open", "filled", "closed", "open"],
        }
    ).to_csv(inputs / "P.csv", index=False)
    capsys.readouterr()
    assert _run([*_args(inputs), "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["unused_capacity"] == 7
    not_open, unreached = data["warnings"]
    assert "2 posts are not open (closed 1, filled 1)" in not_open and "5 places" in not_open
    assert "2 posts have no candidate pair" in unreached and "6 places" in unreached
    assert "not open" in captured.err  # said to the person too


def test_open_posts_only_give_no_warning(inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert _run([*_args(inputs), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []
