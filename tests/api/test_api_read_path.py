"""The seeker-recommendations read path: one statement that must agree with the three queries
it replaced, and a key verified once per request (by the middleware, not again by the route)."""

from __future__ import annotations

from typing import Any

import pytest
from service_fixtures import Service
from sqlalchemy import select

from matcher.runs import queries
from matcher.storage.models import RunRecommendation, seekers


def _seekers(service: Service) -> list[str]:
    """Seekers of every kind: with a list in the run, of 2101 without one, of 2102 (no run)."""
    with service.engine.connect() as connection:
        listed = set(
            connection.execute(
                select(RunRecommendation.seeker_id).where(
                    RunRecommendation.run_id == service.run_id
                )
            ).scalars()
        )
        by_city = {
            city: sorted(
                connection.execute(
                    select(seekers.c.seeker_id).where(seekers.c.city == city)
                ).scalars()
            )
            for city in ("2101", "2102")
        }
    unlisted = [s for s in by_city["2101"] if s not in listed][:3]
    assert unlisted and by_city["2102"], "the fixture should hold every kind of seeker"
    return sorted(listed)[:5] + unlisted + by_city["2102"][:3]


def test_seeker_list_agrees_with_the_three_queries(service: Service) -> None:
    with service.engine.connect() as connection:
        for seeker_id in _seekers(service):
            seeker = queries.get_row(connection, "seekers", seeker_id)
            assert seeker is not None
            latest = queries.latest_succeeded(connection, seeker["city"])
            for run_id in (None, service.run_id):
                found = queries.seeker_list(connection, seeker_id, run_id)
                assert found is not None and found.seeker_city == seeker["city"]
                expected_run = latest if run_id is None else (service.run_id, "2009-W12")
                if expected_run is None:
                    assert (found.run_id, found.week, found.items) == (None, None, [])
                    continue
                assert (found.run_id, found.week) == expected_run
                assert (found.run_city, found.run_status) == ("2101", "succeeded")
                assert found.items == queries.seeker_recommendations(
                    connection, seeker_id, expected_run[0]
                )
        assert queries.seeker_list(connection, "NOPE") is None
        missing_run = queries.seeker_list(connection, _seekers(service)[0], 2**31 - 1)
        assert missing_run is not None and missing_run.run_id is None


def test_recommendations_by_run_id(client: Any, service: Service) -> None:
    headers = service.headers(service.province_key)
    for seeker_id in _seekers(service):
        path = f"/api/v1/seekers/{seeker_id}/recommendations"
        latest = client.get(path, headers=headers)
        assert latest.status_code == 200
        body = latest.json()
        assert body["total"] == len(body["items"])
        if body["run_id"] is None:
            assert body == {
                "seeker_id": seeker_id, "run_id": None, "week": None, "items": [], "total": 0
            }  # fmt: skip
        else:
            by_run = client.get(path, params={"run_id": service.run_id}, headers=headers)
            assert by_run.content == latest.content
        unknown = client.get(path, params={"run_id": 2**31 - 1}, headers=headers)
        assert unknown.status_code == 404
        assert "succeeded run" in unknown.json()["detail"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/seekers/{seeker_id}/recommendations", "/api/v1/seekers/{seeker_id}"],
)
def test_a_key_is_verified_once_per_request(
    client: Any, service: Service, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """The client's app caches no key (``key_cache_seconds=0``), so every verification reads
    the database: the middleware's principal must reach the route's ``PrincipalDep``."""
    import api.deps

    calls: list[str] = []
    verify = api.deps.verify_key

    def counting(engine: Any, text: str) -> Any:
        calls.append(text)
        return verify(engine, text)

    monkeypatch.setattr(api.deps, "verify_key", counting)
    seeker_id = _seekers(service)[0]
    response = client.get(
        path.format(seeker_id=seeker_id), headers=service.headers(service.province_key)
    )
    assert response.status_code == 200
    assert calls == [service.province_key]
