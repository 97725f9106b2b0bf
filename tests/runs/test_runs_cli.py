"""The service commands: db upgrade, db load, apikey create, run-week (with --out)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.cli import main
from matcher.generator import GeneratedProvince
from matcher.generator.output import for_csv
from matcher.storage import make_engine
from matcher.storage.keys import verify_key


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    return int(exit_info.value.code or 0)


def test_service_commands(
    tmp_path: Path, province: GeneratedProvince, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    # Before the schema exists every command says what to do.
    assert _run(["apikey", "create", "--role", "province", "--db", url]) == 1
    assert "matcher db upgrade" in capsys.readouterr().err
    assert _run(["db", "upgrade", "--db", url]) == 0
    data = tmp_path / "data"
    data.mkdir()
    for name in ("seekers", "households", "employers", "posts"):
        for_csv(province.tables[name]).to_csv(data / f"{name}.csv", index=False)
    assert _run(["db", "load", str(data), "--db", url]) == 0
    capsys.readouterr()
    assert _run(["apikey", "create", "--role", "city", "--city", "2102", "--db", url]) == 0
    key = capsys.readouterr().out.strip()
    principal = verify_key(make_engine(url), key)
    assert principal is not None and principal.city == "2102"
    assert _run(["apikey", "create", "--role", "city", "--db", url]) == 2
    out = tmp_path / "out"
    assert _run(["run-week", "--city", "2102", "--week", "2009-W12", "--out", str(out),
                 "--db", url]) == 0  # fmt: skip
    assert {p.name for p in out.iterdir()} == {
        "recommendations.csv", "shortlists.csv", "placements.csv", "families.csv", "summary.json",
    }  # fmt: skip
    # Invalid arguments exit 2, before the database is opened or a progress bar shown.
    assert _run(["run-week", "--city", "2102", "--week", "2009-99", "--db", url]) == 2
    said = capsys.readouterr().err
    assert "week must look like" in said and "starting" not in said
    assert _run(["run-week", "--city", "2199", "--week", "2009-W12", "--db", url]) == 2
    assert "unknown city '2199'" in capsys.readouterr().err
    assert _run(["run-week", "--city", "2102", "--week", "2009-W12", "--scorer", "titles",
                 "--db", url]) == 2  # fmt: skip
    assert "'titles' is not one of 'ranker', 'similarity'" in capsys.readouterr().err
    assert _run(["run-week", "--city", "2102", "--week", "2009-W12", "--preset", "alphabetical",
                 "--db", url]) == 2  # fmt: skip
    assert "unknown preset 'alphabetical'" in capsys.readouterr().err
    assert _run(["run-week", "--city", "2102", "--week", "2009-W12", "--replace", "--json",
                 "--db", url]) == 0  # fmt: skip
    figures = json.loads(capsys.readouterr().out)
    assert figures["city"] == "2102" and figures["week"] == "2009-W12"
    assert figures["output_hash"] and figures["summary"]["placements"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["scoring"].startswith("ranker (")


def test_bad_dataset_loads_nothing(tmp_path: Path, province: GeneratedProvince) -> None:
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    assert _run(["db", "upgrade", "--db", url]) == 0
    data = tmp_path / "data"
    data.mkdir()
    for name in ("seekers", "households", "employers", "posts"):
        frame = for_csv(province.tables[name]).astype("string")
        if name == "posts":
            frame.loc[0, "capacity"] = "-3"
        frame.to_csv(data / f"{name}.csv", index=False)
    assert _run(["db", "load", str(data), "--db", url]) == 2
    from sqlalchemy import func, select

    from matcher.storage.models import seekers

    with make_engine(url).connect() as connection:
        assert connection.execute(select(func.count()).select_from(seekers)).scalar() == 0
