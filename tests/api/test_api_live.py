"""Two officers at once, for real (issue 13): threads hitting ``matcher serve`` on loopback, on
SQLite and PostgreSQL. One outcome per offer, one run per city-week, and uploads that wait for
a database lock without stopping the server from answering."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_fixtures import Service
from sqlalchemy import func, select

from matcher.generator import GeneratedProvince
from matcher.generator.output import for_csv
from matcher.storage.models import Offer, RunPlacement, posts, seekers

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``matcher serve`` on the service's database; its base URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "stderr"
    # Uploads wait up to 30 s for SQLite's write lock (longer than any test holds it).
    env = {**os.environ, "MATCHER_SQLITE_BUSY_SECONDS": "30"}
    command = [sys.executable, "-m", "matcher", "serve", "--port", str(port), "--db",
               service.url, "--no-access-log"]  # fmt: skip
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=stderr)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # a loaded CI machine imports slowly
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"matcher serve did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run ``calls`` on as many threads, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def work(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except BaseException as error:  # reported below, not lost in the thread
            results[index] = error

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def _pending(service: Service, city: str) -> list[Any]:
    with service.engine.connect() as connection:
        return list(
            connection.execute(
                select(Offer.offer_id, Offer.seeker_id, Offer.post_id, Offer.week)
                .where(Offer.city == city, Offer.outcome == "pending")
                .order_by(Offer.offer_id)
            ).all()
        )


def _outcome(base: str, key: str, offer_id: int, outcome: str) -> Callable[[], httpx.Response]:
    return lambda: httpx.post(
        f"{base}/api/v1/offers/{offer_id}/outcome",
        json={"outcome": outcome},
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )


def test_eight_accepts_of_one_offer_fill_one_place(server: str, service: Service) -> None:
    offer = _pending(service, "2101")[0]
    with service.engine.connect() as connection:
        filled_before = connection.execute(
            select(posts.c.filled).where(posts.c.post_id == offer.post_id)
        ).scalar_one()
    responses = _at_once([_outcome(server, service.city_key, offer.offer_id, "accepted")] * 8)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 7, [r.text for r in responses]
    with service.engine.connect() as connection:
        filled = connection.execute(
            select(posts.c.filled).where(posts.c.post_id == offer.post_id)
        ).scalar_one()
    assert filled == filled_before + 1


def test_accept_and_refuse_at_once_one_wins_and_state_agrees(server: str, service: Service) -> None:
    offers = _pending(service, "2101")[:12]
    calls = []
    for offer in offers:
        calls += [
            _outcome(server, service.city_key, offer.offer_id, "accepted"),
            _outcome(server, service.city_key, offer.offer_id, "refused"),
        ]
    responses = _at_once(calls)
    with service.engine.connect() as connection:
        for index, offer in enumerate(offers):
            pair = responses[2 * index : 2 * index + 2]
            assert sorted(r.status_code for r in pair) == [200, 409], [r.text for r in pair]
            winner = next(r for r in pair if r.status_code == 200).json()["outcome"]
            stored = connection.execute(
                select(Offer.outcome).where(Offer.offer_id == offer.offer_id)
            ).scalar_one()
            placed = connection.execute(
                select(seekers.c.placed_week).where(seekers.c.seeker_id == offer.seeker_id)
            ).scalar_one()
            assert stored == winner
            # A refused seeker is never marked placed (out of the pool for later weeks).
            assert (placed == offer.week) == (winner == "accepted")


def _wait_for(base: str, key: str, run_id: int) -> str:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status = httpx.get(
            f"{base}/api/v1/runs/{run_id}", headers={"Authorization": f"Bearer {key}"}, timeout=30
        ).json()["status"]
        if status != "running":
            return str(status)
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} still running")


def _offer_counts(service: Service, city: str, week: str) -> dict[str, int]:
    with service.engine.connect() as connection:
        rows = connection.execute(
            select(Offer.outcome, func.count())
            .where(Offer.city == city, Offer.week == week)
            .group_by(Offer.outcome)
        ).all()
    return {str(outcome): int(count) for outcome, count in rows}


def test_one_run_per_city_week_and_replace_never_doubles(server: str, service: Service) -> None:
    key = service.other_key  # 2102 has no run yet
    headers = {"Authorization": f"Bearer {key}"}
    body = {"city": "2102", "week": "2009-W12"}

    def start(extra: dict[str, Any] | None = None) -> Callable[[], httpx.Response]:
        return lambda: httpx.post(
            f"{server}/api/v1/runs", json={**body, **(extra or {})}, headers=headers, timeout=60
        )

    first, second = _at_once([start(), start()])
    assert sorted((first.status_code, second.status_code)) == [202, 409], (first.text, second.text)
    started = first if first.status_code == 202 else second
    assert _wait_for(server, key, started.json()["run_id"]) == "succeeded"
    placed = _offer_counts(service, "2102", "2009-W12")
    assert set(placed) == {"pending"} and placed["pending"] > 0

    again = start()()
    assert again.status_code == 409 and "replace" in again.json()["detail"]
    replacement = start({"replace": True})()
    assert replacement.status_code == 202, replacement.text
    run_id = replacement.json()["run_id"]
    assert _wait_for(server, key, run_id) == "succeeded"
    after = _offer_counts(service, "2102", "2009-W12")
    with service.engine.connect() as connection:
        newest = connection.execute(
            select(func.count()).select_from(RunPlacement).where(RunPlacement.run_id == run_id)
        ).scalar_one()
    # The week's pending offers are the replacement's only: the first run's were superseded.
    assert after == {"pending": newest, "superseded": placed["pending"]}


def test_upload_waiting_for_a_lock_does_not_stop_the_server(
    server: str, service: Service, province: GeneratedProvince
) -> None:
    if not service.url.startswith("sqlite"):
        pytest.skip("SQLite's database-wide write lock")
    rows = for_csv(province.tables["households"].head(50)).astype("string").fillna("")
    path = service.url.removeprefix("sqlite:///")
    blocker = sqlite3.connect(path, timeout=5, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # what a run's output commit holds
    result: dict[str, Any] = {}

    def upload() -> None:
        result["response"] = httpx.post(
            f"{server}/api/v1/households",
            content=rows.to_csv(index=False),
            headers={
                "Authorization": f"Bearer {service.province_key}",
                "Content-Type": "text/csv",
            },
            timeout=60,
        )

    thread = threading.Thread(target=upload)
    try:
        thread.start()
        time.sleep(0.5)  # let the upload reach the lock (not a timing assertion)
        health = httpx.get(f"{server}/health", timeout=10)
        assert health.status_code == 200
        # The upload cannot have finished: the lock is still held.
        assert thread.is_alive() and "response" not in result
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        thread.join(timeout=60)
    assert result["response"].status_code == 200, result["response"].text


def test_sqlite_busy_is_503_with_retry_after(service: Service, province: GeneratedProvince) -> None:
    if not service.url.startswith("sqlite"):
        pytest.skip("SQLite's database-wide write lock")
    import warnings

    with warnings.catch_warnings():
        # starlette's TestClient warns that it wants httpx2; the test client works with httpx.
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from api import create_app
    from api.settings import Settings

    app = create_app(Settings(db=service.url, sqlite_busy_seconds=0.2, key_cache_seconds=0))
    rows = for_csv(province.tables["households"].head(5)).astype("string").fillna("")
    blocker = sqlite3.connect(service.url.removeprefix("sqlite:///"), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with TestClient(app) as client:
            response = client.post(
                "/api/v1/households",
                json=rows.to_dict("records"),
                headers={"Authorization": f"Bearer {service.province_key}"},
            )
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0
