"""``matcher quotas`` and ``matcher need``: outputs, errors, and nothing written on failure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matcher.cli import main

CITY_WEIGHTS = (
    "region,weight\n2101,7.2\n2102,5.8\n2103,3.5\n2104,2.2\n2105,1.5\n2106,2.4\n2107,3.1\n"
    "2108,2.3\n2109,1.9\n2110,1.8\n2111,1.3\n2112,3.0\n2113,3.4\n2114,2.8\n"
)


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as caught:
        main(args)
    return int(caught.value.code or 0)


def _write(tmp_path: Path, text: str, name: str = "w.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_quotas_writes_explained_table(tmp_path: Path) -> None:
    weights = _write(tmp_path, CITY_WEIGHTS)
    out = tmp_path / "q.csv"
    code = _run(
        [
            *("quotas", "--weights", str(weights), "--total", "30000"),
            *("--method", "sainte-lague", "--out", str(out), "--compare", "--audit", "3"),
        ]
    )
    assert code == 0
    table = pd.read_csv(out, dtype={"region": str})
    assert table["quota"].sum() == 30000
    assert list(table["region"]) == [f"21{i:02d}" for i in range(1, 15)]
    for column in ("standard_quota", "gain", "last_seat_priority", "decided_by", "by_hamilton"):
        assert column in table.columns
    # every quota is within one seat of its standard quota under Webster here
    assert (table["quota"] - table["standard_quota"]).abs().max() < 1


def test_presets_bound_the_result(tmp_path: Path) -> None:
    weights = _write(tmp_path, CITY_WEIGHTS)
    out = tmp_path / "q.csv"
    args = ["quotas", "--weights", str(weights), "--total", "10000", "--method", "hamilton"]
    assert _run([*args, "--out", str(out)]) == 0
    plain = pd.read_csv(out, dtype={"region": str}).set_index("region")["quota"]
    bounded_args = ["--min-each", "500", "--max-share", "15", "--liaoxibei-topup", "20"]
    assert _run([*args, *bounded_args, "--out", str(out)]) == 0
    bounded = pd.read_csv(out, dtype={"region": str}).set_index("region")["quota"]
    assert bounded.min() >= 500 and bounded.max() <= 1500
    assert bounded.sum() == 10000
    for city in ("2107", "2109", "2112", "2113", "2114"):  # Liaoxibei cities gain from a top-up
        assert bounded[city] >= plain[city]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("region,weight\nA,1\nA,2\n", "duplicate region"),
        ("region,weight\nA,-1\nB,2\n", "must not be negative"),
        ("region,weight\nA,lots\nB,2\n", "must be a number"),
        ("region,weight,min\nA,1,3\nB,2,3\n", "sum of minimums"),
        ("region,weight\nA,0\nB,0\n", "sum to zero"),
        ("region,weight,min,max\nA,1,4,2\nB,1,,\n", "max is below min"),
        ("region,weight\nA,1\nB,1\n", "tied between regions A, B"),
    ],
)
def test_bad_input_exits_non_zero_writing_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, fragment: str
) -> None:
    weights = _write(tmp_path, text)
    out = tmp_path / "q.csv"
    code = _run(
        [
            "quotas",
            "--weights",
            str(weights),
            "--total",
            "5",
            "--method",
            "webster",
            "--out",
            str(out),
        ]
    )
    assert code != 0
    assert not out.exists()
    assert not list(tmp_path.glob(".q.csv.*"))
    err = " ".join(capsys.readouterr().err.split())
    assert fragment in err


def test_ties_lot_breaks_and_repeats(tmp_path: Path) -> None:
    weights = _write(tmp_path, "region,weight\nA,1\nB,1\nC,1\n")
    results = []
    for _ in range(2):
        out = tmp_path / "q.csv"
        args = ["quotas", "--weights", str(weights), "--total", "1", "--method", "dhondt"]
        assert _run([*args, "--ties", "lot", "--seed", "5", "--out", str(out)]) == 0
        table = pd.read_csv(out)
        results.append(table["quota"].tolist())
        assert sorted(table["lot"].fillna("")) == ["lost", "lost", "won"]
    assert results[0] == results[1] and sum(results[0]) == 1


def test_unknown_method_is_a_usage_error(tmp_path: Path) -> None:
    weights = _write(tmp_path, CITY_WEIGHTS)
    assert _run(["quotas", "--weights", str(weights), "--total", "3", "--method", "borda"]) == 2


def test_children_second_level(tmp_path: Path) -> None:
    weights = _write(tmp_path, "region,weight\n2101,3\n2102,1\n")
    children = _write(
        tmp_path,
        "region,parent,weight,urban\n210102,2101,5,1\n210103,2101,3,1\n210181,2101,2,0\n"
        "210202,2102,1,1\n210281,2102,1,0\n",
        "children.csv",
    )
    out = tmp_path / "qc.csv"
    args = ["quotas", "--weights", str(weights), "--total", "40", "--method", "hamilton"]
    code = _run(
        [*args, "--children", str(children), "--children-out", str(out), "--split-urban-rural"]
    )
    assert code == 0
    table = pd.read_csv(out, dtype={"region": str, "parent": str})
    assert table.groupby("parent")["quota"].sum().to_dict() == {"2101": 30, "2102": 10}
    assert set(table["kind"]) == {"urban", "rural"}


def test_need_command_with_monkeypatched_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def fake_eligibility_for_dir(directory, program, reference_date=None):
        calls.append((directory, program, reference_date))
        return pd.DataFrame(
            {
                "seeker_id": ["s1", "s2", "s3"],
                "city": ["2101", "2101", "2109"],
                "district": ["210102", "210102", "210902"],
                "eligible": [True, True, False],
                "tier": pd.array([1, 2, pd.NA], dtype="Int64"),
                "groups": ["1", "2", ""],
                "reasons": ["", "", ""],
            }
        )

    monkeypatch.setattr("matcher.cli.quotas.eligibility_for_dir", fake_eligibility_for_dir)
    out = tmp_path / "w.csv"
    code = _run(
        [
            *("need", str(tmp_path), "--program", "welfare"),
            *("--tier-weights", "1=3,2=1.5", "--out", str(out)),
        ]
    )
    assert code == 0
    assert calls and calls[0][1] == "welfare"
    table = pd.read_csv(out, dtype=str).set_index("region")
    assert len(table) == 14  # every city is listed, with weight 0 where nobody is eligible
    assert table.loc["2101", "weight"] == "4.5"
    assert table.loc["2109", "weight"] == "0"
    # the written table is a valid weights file for the quotas command
    assert _run(["quotas", "--weights", str(out), "--total", "10", "--method", "webster"]) == 0


def test_need_rejects_bad_tier_weights(tmp_path: Path) -> None:
    assert _run(["need", str(tmp_path), "--program", "welfare", "--tier-weights", "x"]) == 2
