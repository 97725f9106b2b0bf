"""Weekly runs: recorded atomically, reproducible byte for byte, offers feed the next week, a
killed run leaves nothing visible and can be retried, concurrent cities both complete."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from matcher.errors import MatcherError
from matcher.runs import (
    RunConfig,
    compute_week,
    export_digest,
    export_run,
    load_inputs,
    reap_abandoned,
    record_outcome,
    run_week,
    start_run,
)
from matcher.runs.store import PAUSE_ENV
from matcher.storage.models import (
    Offer,
    Run,
    RunFamily,
    RunPlacement,
    RunRecommendation,
    RunShortlist,
    seekers,
)

OUTPUT_MODELS = (RunRecommendation, RunShortlist, RunPlacement, RunFamily, Offer)


def _rows(engine: Engine, model: type, run_id: int) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(model).where(model.run_id == run_id)
        return int(connection.execute(query).scalar() or 0)


def test_run_is_recorded_and_rerun_is_byte_identical(loaded: Engine) -> None:
    first = run_week(loaded, "2101", "2009-W12")
    second = run_week(loaded, "2101", "2009-W12", replace=True)
    assert first.run_id != second.run_id
    assert first.input_hash == second.input_hash
    assert first.output_hash == second.output_hash
    with loaded.connect() as connection:
        files_first = export_run(connection, first.run_id)
        files_second = export_run(connection, second.run_id)
        run = connection.execute(select(Run).where(Run.run_id == first.run_id)).one()
    assert files_first == files_second
    assert export_digest(files_first) == first.output_hash  # the stored outputs are the computed
    assert run.status == "succeeded" and run.progress == 1.0 and run.code_version
    summary = first.summary
    assert summary["recommendations"]["with_cap"]["recommendations"] > 0
    assert sum(p["placed"] for p in summary["placements"].values()) > 0
    assert _rows(loaded, RunRecommendation, first.run_id) > 0
    assert _rows(loaded, Offer, first.run_id) == _rows(loaded, RunPlacement, first.run_id)
    text = files_first["recommendations.csv"].decode()
    assert "相近" in text and "学历" in text  # reasons in Chinese
    # Each recommended vacancy stays within its cap; lists within the list length.
    caps_ok = summary["recommendations"]["with_cap"]["max_per_opening"]
    assert caps_ok <= summary["recommendations"]["without_cap"]["max_per_opening"]


def test_offers_feed_the_next_week(sqlite_loaded: Engine) -> None:
    engine = sqlite_loaded
    week12 = run_week(engine, "2101", "2009-W12")
    with engine.connect() as connection:
        offers = connection.execute(
            select(Offer.offer_id, Offer.seeker_id, Offer.post_id)
            .where(Offer.run_id == week12.run_id)
            .order_by(Offer.offer_id)
        ).all()
        before = load_inputs(connection, "2101", "2009-W13")
    assert len(offers) >= 2
    accepted, refused = offers[0], offers[1]
    record_outcome(engine, accepted.offer_id, "accepted")
    record_outcome(engine, refused.offer_id, "refused")
    with pytest.raises(MatcherError, match="already has outcome"):
        record_outcome(engine, accepted.offer_id, "refused")
    with engine.connect() as connection:
        after = load_inputs(connection, "2101", "2009-W13")
        placed_week = connection.execute(
            select(seekers.c.placed_week).where(seekers.c.seeker_id == accepted.seeker_id)
        ).scalar()
    assert placed_week == "2009-W12"
    assert accepted.seeker_id in set(before.seekers["seeker_id"])
    assert accepted.seeker_id not in set(after.seekers["seeker_id"])
    remaining = after.posts.set_index("post_id")["remaining"]
    capacity = after.posts.set_index("post_id")["capacity"]
    # Every offer of week 12 still holds its place (accepted or pending) except the refusal.
    assert remaining[refused.post_id] < capacity[refused.post_id] or refused.post_id == (
        accepted.post_id
    )
    week13 = run_week(engine, "2101", "2009-W13")
    with engine.connect() as connection:
        new_offers = connection.execute(
            select(Offer.seeker_id, Offer.post_id).where(Offer.run_id == week13.run_id)
        ).all()
    assert (refused.seeker_id, refused.post_id) not in {tuple(o) for o in new_offers}
    assert accepted.seeker_id not in {o.seeker_id for o in new_offers}
    changes = week13.summary["changes"]
    assert changes["previous_run"] == week12.run_id
    assert changes["last_week_offers"]["accepted"] == 1
    assert changes["last_week_offers"]["refused"] == 1
    # Re-computing week 12 now still reads week 12's pool: the same outputs as the first time.
    with engine.connect() as connection:
        inputs = load_inputs(connection, "2101", "2009-W12")
    assert compute_week(inputs, RunConfig()).digest() == week12.output_hash
    # Recording it again is refused: two of its offers have answers a replacement would undo.
    with pytest.raises(MatcherError, match="cannot be replaced"):
        run_week(engine, "2101", "2009-W12", replace=True)


def test_killed_run_leaves_nothing_visible_and_can_be_retried(
    sqlite_loaded: Engine, tmp_path: Path
) -> None:
    url = sqlite_loaded.url.render_as_string(hide_password=False)
    env = {**os.environ, PAUSE_ENV: "60"}
    process = subprocess.Popen(
        [sys.executable, "-m", "matcher", "run-week", "--city", "2102", "--week", "2009-W12",
         "--db", url],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        stage = None
        while time.monotonic() < deadline:
            with sqlite_loaded.connect() as connection:
                stage = connection.execute(select(Run.stage).where(Run.city == "2102")).scalar()
            if stage == "writing":
                break
            assert process.poll() is None, "the run ended before it could be killed"
            time.sleep(0.2)
        assert stage == "writing"
        time.sleep(1.0)  # inside the open output transaction, rows inserted, not committed
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    with sqlite_loaded.connect() as connection:
        run = connection.execute(select(Run).where(Run.city == "2102")).one()
    assert run.status == "running"  # the record says so, but it has no outputs at all
    for model in OUTPUT_MODELS:
        assert _rows(sqlite_loaded, model, run.run_id) == 0
    assert reap_abandoned(sqlite_loaded) == 1
    with sqlite_loaded.connect() as connection:
        status = connection.execute(select(Run.status).where(Run.run_id == run.run_id)).scalar()
    assert status == "abandoned"
    retry = run_week(sqlite_loaded, "2102", "2009-W12")
    assert retry.status == "succeeded" and _rows(sqlite_loaded, RunRecommendation, retry.run_id)


def test_two_cities_at_once_both_complete(sqlite_loaded: Engine) -> None:
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def work(city: str) -> None:
        try:
            results[city] = run_week(sqlite_loaded, city, "2009-W12").output_hash
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(city,)) for city in ("2101", "2102")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    assert set(results) == {"2101", "2102"}
    # Each equals the same city's run done alone (isolation between concurrent runs).
    assert run_week(sqlite_loaded, "2101", "2009-W12", replace=True).output_hash == results["2101"]


def test_start_run_rejects_bad_city_and_week(sqlite_loaded: Engine) -> None:
    with pytest.raises(MatcherError, match="unknown city"):
        start_run(sqlite_loaded, "9999", "2009-W12")
    with pytest.raises(MatcherError, match="week"):
        start_run(sqlite_loaded, "2101", "2009-12")
    with sqlite_loaded.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Run)).scalar() == 0


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_vacancy_half_in_a_second_process_gives_the_same_outputs(
    sqlite_loaded: Engine, method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matcher.runs import RunConfig, parallel
    from matcher.runs.compute import compute_week

    with sqlite_loaded.connect() as connection:
        inputs = load_inputs(connection, "2101", "2009-W12")
    monkeypatch.setattr(parallel, "start_method", lambda: method)
    alone = compute_week(inputs, RunConfig(), workers=1)
    beside = compute_week(inputs, RunConfig(), workers=2)
    assert "wait_vacancies" in beside.timings and "wait_vacancies" not in alone.timings
    assert len(beside.recommendations) > 0
    assert beside.digest() == alone.digest()


def test_second_process_is_chosen_by_size_and_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from matcher.runs import parallel

    monkeypatch.delenv(parallel.PROCESSES_ENV, raising=False)
    assert not parallel.wanted(100, 100)  # a small run stays in one process
    assert parallel.wanted(100, 100, workers=2) and not parallel.wanted(10**6, 10**4, workers=1)
    monkeypatch.setenv(parallel.PROCESSES_ENV, "1")
    assert not parallel.wanted(10**6, 10**4)
    monkeypatch.setenv(parallel.PROCESSES_ENV, "2")
    assert parallel.wanted(100, 100)


def test_fairness_summary_agrees_with_a_direct_count(sqlite_loaded: Engine) -> None:
    from matcher.programs import program_eligibility
    from matcher.runs import RunConfig
    from matcher.runs.compute import compute_week

    with sqlite_loaded.connect() as connection:
        inputs = load_inputs(connection, "2101", "2009-W12")
    outputs = compute_week(inputs, RunConfig(), workers=1)
    placed = outputs.placements
    for program, block in outputs.summary["fairness"].items():
        table = program_eligibility(
            inputs.seekers, inputs.households, program, inputs.reference_date
        )
        eligible = table.loc[table["eligible"].astype(bool)]
        mine = set(placed.loc[placed["program"] == program, "seeker_id"])
        sex = inputs.seekers.set_index("seeker_id")["sex"].reindex(eligible["seeker_id"])
        direct = (
            pd.DataFrame({"sex": sex.to_numpy(), "placed": eligible["seeker_id"].isin(mine)})
            .groupby("sex")["placed"]
            .agg(["size", "sum"])
        )
        rows = block["by"]["sex"]["groups"]
        assert block["eligible"] == len(eligible) and block["placed"] == len(mine)
        best = max(r["rate"] for r in rows.values())
        for group, (size, count) in direct.iterrows():
            row = rows[str(group)]
            assert (row["eligible"], row["placed"]) == (size, count)
            assert row["rate"] == pytest.approx(count / size, abs=1e-6)
            assert row["ratio_to_best"] == pytest.approx(row["rate"] / best, abs=1e-5)


def test_runs_score_with_the_shipped_ranker_unless_told_otherwise(sqlite_loaded: Engine) -> None:
    from matcher.runs import RunConfig
    from matcher.runs.compute import compute_week

    with sqlite_loaded.connect() as connection:
        inputs = load_inputs(connection, "2101", "2009-W12")
    ranked = compute_week(inputs, RunConfig(), workers=1)
    plain = compute_week(inputs, RunConfig(scorer="similarity"), workers=1)
    assert ranked.summary["scoring"].startswith("ranker (ranker.joblib")
    assert plain.summary["scoring"] == "scoring (title similarity)"
    # Same candidate pairs, other scores: the lists differ somewhere.
    assert not ranked.recommendations["score"].equals(plain.recommendations["score"])
    assert RunConfig().digest() != RunConfig(scorer="similarity").digest()
    # A configuration recorded before the scorer existed reads back as what it ran with.
    old = json.loads(RunConfig().to_json())
    del old["scorer"]
    assert RunConfig.from_json(json.dumps(old)).scorer == "similarity"


def test_digest_from_the_vacancy_half_equals_formatting_every_table(sqlite_loaded: Engine) -> None:
    import dataclasses

    from matcher.runs import RunConfig
    from matcher.runs.compute import compute_week

    with sqlite_loaded.connect() as connection:
        inputs = load_inputs(connection, "2101", "2009-W12")
    outputs = compute_week(inputs, RunConfig(), workers=1)
    assert set(outputs.canonical) == {"recommendations", "shortlists"}
    assert dataclasses.replace(outputs, canonical={}).digest() == outputs.digest()
