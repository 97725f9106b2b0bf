"""The README's "Province to placements" recipe, run line by line as it is written, and the
command-line conventions the chain relies on (exit 2 for bad arguments, -h, --version, JSON on
stdout, TSV in pipes, a closed stdout)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from officer_files import officer_copy, sheet_rows

from matcher.cli import main
from matcher.io.excel import BOM

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(args)
    return int(exited.value.code or 0)


def recipe() -> list[list[str]]:
    """The commands between the README's recipe markers, without the leading ``matcher``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- recipe:", 1)[1].split("<!-- /recipe -->", 1)[0]
    lines = [line.strip() for line in block.splitlines() if line.startswith("matcher ")]
    return [shlex.split(line)[1:] for line in lines]


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The recipe run in a fresh directory; every step must succeed."""
    where = tmp_path_factory.mktemp("chain")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(where)
        for args in recipe():
            assert run(args) == 0, args
    return where


def test_recipe_is_the_documented_chain() -> None:
    steps = [args[0] for args in recipe()]
    assert steps == [
        "generate", "validate", "eligibility", "need", "quotas", "candidates", "allocate",
        "fairness",
    ]  # fmt: skip


def test_recipe_places_eligible_seekers_within_quotas(chain: Path) -> None:
    seekers = pd.read_csv(chain / "S.csv", dtype={"seeker_id": str, "city": str})
    placed = pd.read_csv(chain / "A.csv", dtype={"seeker_id": str, "post_id": str, "city": str})
    unplaced = pd.read_csv(chain / "U.csv", dtype={"seeker_id": str})
    quotas = pd.read_csv(chain / "Q.csv", dtype={"region": str}).set_index("region")["quota"]
    assert len(placed) > 0
    # Every eligible seeker is accounted for, placed or not, once.
    assert sorted([*placed["seeker_id"], *unplaced["seeker_id"]]) == sorted(seekers["seeker_id"])
    assert (placed.groupby("city").size() <= quotas.reindex(placed["city"].unique())).all()
    assert set(seekers.columns) >= {
        "seeker_id", "tier", "policy_tier", "need", "groups", "family_id", "zero_employment",
        "city",
    }  # fmt: skip
    assert placed["mechanism"].eq("lexicographic").all()  # the policy's own for tiered seekers


def test_recipe_fairness_as_json_has_no_capacity_warning(
    chain: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(chain)
    fairness = next(args for args in recipe() if args[0] == "fairness")
    capsys.readouterr()
    assert run([*fairness, "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["placed"] == len(pd.read_csv(chain / "A.csv"))
    assert figures["warnings"] == []  # P.csv holds the open posts only


def test_json_results_on_stdout(
    chain: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(chain)
    capsys.readouterr()
    assert run(["validate", "prov", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True
    assert run(["quotas", "--weights", "W.csv", "--total", "300", "--method", "hamilton",
                "--json"]) == 0  # fmt: skip
    quotas = json.loads(capsys.readouterr().out)["quotas"]
    assert sum(row["quota"] for row in quotas) == 300
    allocate = next(args for args in recipe() if args[0] == "allocate")
    out = [a.replace("A.csv", "A2.csv").replace("U.csv", "U2.csv") for a in allocate]
    assert run([*out, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["placed"] == len(pd.read_csv(chain / "A.csv"))
    assert (chain / "A2.csv").read_bytes() == (chain / "A.csv").read_bytes()


def test_tables_are_tab_separated_in_a_pipe(
    chain: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(chain)
    capsys.readouterr()
    assert run(["quotas", "--weights", "W.csv", "--total", "300", "--method", "hamilton"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split("\t")[:3] == ["region", "quota", "weight"]
    assert not any("…" in line for line in lines)  # nothing cut to the width of a terminal


def test_bad_arguments_exit_2_before_any_work(
    chain: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(chain)
    allocate = next(args for args in recipe() if args[0] == "allocate")
    assert run([*allocate, "--mechanism", "fastest"]) == 2
    assert run([*allocate, "--reserve-group", "disabled"]) == 2  # stable only
    said = capsys.readouterr().err
    assert "fastest" in said and "stable only" in said
    assert run(["quotas", "--weights", "W.csv", "--total", "9", "--method", "hamilton",
                "--ties", "coin"]) == 2  # fmt: skip
    assert run(["candidates", "prov", "--program", "training", "--out", "T.csv"]) == 2
    assert not (chain / "T.csv").exists()


def test_help_version_and_choices(capsys: pytest.CaptureFixture[str]) -> None:
    from matcher import __version__

    assert run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"matcher {__version__}"
    assert run(["allocate", "-h"]) == 0
    shown = capsys.readouterr().out
    assert "lexicographic" in shown and "reserved_last" in shown  # choices, not <str>
    assert run(["-h"]) == 0
    assert "--install-completion" in capsys.readouterr().out


def test_closed_stdout_keeps_the_files_and_prints_no_traceback(chain: Path) -> None:
    target = chain / "Q-pipe.csv"
    command = [sys.executable, "-m", "matcher", "quotas", "--weights", "W.csv", "--total",
               "300", "--method", "hamilton", "--compare", "--out", str(target)]  # fmt: skip
    process = subprocess.Popen(command, cwd=chain, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # as `| head` does once it has its lines
    with process.stderr:
        said = process.stderr.read().decode()
    # Exit 1 as click and rich end on a closed pipe; the file is there, no traceback.
    assert process.wait(timeout=300) == 1, said
    assert "Traceback" not in said and "BrokenPipeError" not in said
    assert target.read_bytes() == (chain / "Q.csv").read_bytes()


def test_recipe_runs_from_an_officers_gbk_csv_and_titled_workbook(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The README's chain on a bureau's own files: seekers in 求职登记人员.xlsx (title row, 序号,
    # Chinese headers, 沈阳市-style city names), households in a GBK 家庭.csv with a title row.
    where = tmp_path_factory.mktemp("officer-chain")
    plain = where / "generated"
    assert run(["generate", "--scale", "small", "--seed", "1", "--out", str(plain)]) == 0
    officer_copy(plain, where / "prov")
    monkeypatch.chdir(where)
    for args in recipe()[1:]:  # every step after `generate`, as written
        assert run(args) == 0, args
    # What a person opens in Excel starts with the BOM that makes Excel read UTF-8.
    for name in ("S.csv", "A.csv", "U.csv"):
        assert (where / name).read_bytes().startswith(BOM), name
    placed = pd.read_csv(where / "A.csv", dtype=str, encoding="utf-8-sig")
    assert len(placed) > 0 and placed["mechanism"].eq("lexicographic").all()
    # The same allocation as a workbook.
    allocate = next(args for args in recipe() if args[0] == "allocate")
    assert run(["A.xlsx" if arg == "A.csv" else arg for arg in allocate]) == 0
    rows = sheet_rows(where / "A.xlsx")
    assert rows[0][:2] == ["seeker_id", "post_id"]
    assert [row[0] for row in rows[1:]] == placed["seeker_id"].tolist()
