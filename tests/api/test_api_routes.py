"""Every route with every kind of key: 401 without one, 403 for another city's code and 404
for another city's ids, 422 row errors with
nothing stored, masked identity numbers, pagination, runs in the background."""

from __future__ import annotations

import re
import time
from typing import Any

import pandas as pd
import pytest
from service_fixtures import Service

from matcher.generator import GeneratedProvince
from matcher.generator.output import for_csv

FULL_ID = re.compile(r"\b\d{17}[\dX]\b")

READ_ROUTES = [
    "/api/v1/seekers",
    "/api/v1/households",
    "/api/v1/employers",
    "/api/v1/vacancies",
    "/api/v1/posts",
    "/api/v1/runs",
    "/api/v1/offers",
    "/api/v1/families?city=2101",
    "/api/v1/fairness?city=2101",
    "/api/v1/quotas",
]


def test_health_needs_no_key(client: Any, service: Service) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == service.engine.dialect.name


@pytest.mark.parametrize("path", READ_ROUTES)
def test_every_route_needs_a_key(client: Any, path: str) -> None:
    assert client.get(path).status_code == 401
    bad = client.get(path, headers={"Authorization": "Bearer mk_00000000_nope"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("path", READ_ROUTES)
def test_province_key_reads_every_route(client: Any, service: Service, path: str) -> None:
    response = client.get(path, headers=service.headers(service.province_key))
    assert response.status_code == 200, response.text
    assert not FULL_ID.search(response.text)


def test_lists_are_paged_and_scoped_to_the_city(
    client: Any, service: Service, province: GeneratedProvince
) -> None:
    everyone = client.get("/api/v1/seekers?limit=5", headers=service.headers(service.province_key))
    body = everyone.json()
    assert body["total"] == len(province.tables["seekers"]) and len(body["items"]) == 5
    second = client.get(
        "/api/v1/seekers?limit=5&offset=5", headers=service.headers(service.province_key)
    ).json()
    assert {s["seeker_id"] for s in second["items"]}.isdisjoint(
        {s["seeker_id"] for s in body["items"]}
    )
    mine = client.get("/api/v1/seekers?limit=500", headers=service.headers(service.city_key))
    cities = {s["city"] for s in mine.json()["items"]}
    assert cities == {"2101"}
    assert mine.json()["total"] == int((province.tables["seekers"]["city"] == "2101").sum())
    other = client.get("/api/v1/seekers?city=2102", headers=service.headers(service.city_key))
    assert other.status_code == 403


def test_identity_numbers_are_masked(
    client: Any, service: Service, province: GeneratedProvince
) -> None:
    seeker = province.tables["seekers"].iloc[0]
    response = client.get(
        f"/api/v1/seekers/{seeker['seeker_id']}", headers=service.headers(service.province_key)
    )
    body = response.json()
    assert "id_number" not in body
    assert body["id_number_masked"] != seeker["id_number"]
    assert body["id_number_masked"][:4] == seeker["id_number"][:4]
    assert seeker["id_number"] not in response.text


def test_seeker_recommendations(client: Any, service: Service) -> None:
    with service.engine.connect() as connection:
        from sqlalchemy import select

        from matcher.storage.models import RunRecommendation

        seeker_id = connection.execute(
            select(RunRecommendation.seeker_id).where(RunRecommendation.run_id == service.run_id)
        ).scalar()
    path = f"/api/v1/seekers/{seeker_id}/recommendations"
    for key in (service.province_key, service.city_key):
        body = client.get(path, headers=service.headers(key)).json()
        assert body["run_id"] == service.run_id and body["week"] == "2009-W12"
        assert body["total"] == len(body["items"]) >= 1
        assert [i["rank"] for i in body["items"]] == list(range(1, body["total"] + 1))
        assert all(i["reason"] and i["title"] for i in body["items"])
    # Another city's seeker answers as an unknown one would: 404, not 403.
    assert client.get(path, headers=service.headers(service.other_key)).status_code == 404
    assert client.get(path).status_code == 401
    missing = client.get(
        "/api/v1/seekers/NOPE/recommendations", headers=service.headers(service.province_key)
    )
    assert missing.status_code == 404


def _seeker_rows(province: GeneratedProvince, city: str, n: int, prefix: str) -> pd.DataFrame:
    from matcher import idnumber

    rows = province.tables["seekers"].loc[province.tables["seekers"]["city"] == city].head(n)
    rows = for_csv(rows).astype("string").fillna("")
    rows["seeker_id"] = [f"{prefix}{i}" for i in range(n)]
    births = pd.to_datetime(rows["birth_date"])
    rows["id_number"] = [
        idnumber.make(
            rows["district"].iloc[i],
            births.iloc[i].date(),
            900 + i * 2 + (rows["sex"].iloc[i] == "M"),
        )
        for i in range(n)
    ]
    return rows


def test_upload_json_and_csv(client: Any, service: Service, province: GeneratedProvince) -> None:
    rows = _seeker_rows(province, "2101", 3, f"J{service.engine.dialect.name[:2]}")
    records = rows.to_dict("records")
    created = client.post(
        "/api/v1/seekers", json=records, headers=service.headers(service.city_key)
    )
    assert created.status_code == 200, created.text
    assert created.json() == {"table": "seekers", "inserted": 3, "updated": 0}
    again = client.post(
        "/api/v1/seekers",
        content=rows.to_csv(index=False),
        headers={**service.headers(service.city_key), "Content-Type": "text/csv"},
    )
    assert again.json() == {"table": "seekers", "inserted": 0, "updated": 3}


def test_bad_batch_is_422_with_rows_and_stores_nothing(
    client: Any, service: Service, province: GeneratedProvince
) -> None:
    rows = _seeker_rows(province, "2101", 4, f"B{service.engine.dialect.name[:2]}")
    rows.loc[2, "education"] = "college"
    rows.loc[3, "birth_date"] = "yesterday"
    headers = service.headers(service.province_key)
    before = client.get("/api/v1/seekers?limit=1", headers=headers).json()["total"]
    response = client.post("/api/v1/seekers", json=rows.to_dict("records"), headers=headers)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {(e["row"], e["column"]) for e in errors} >= {(2, "education"), (3, "birth_date")}
    assert all(set(e) == {"row", "column", "value", "message"} for e in errors)
    csv = client.post(
        "/api/v1/seekers",
        content=rows.to_csv(index=False),
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert csv.status_code == 422
    assert (4, "education") in {(e["row"], e["column"]) for e in csv.json()["errors"]}  # CSV rows
    assert client.get("/api/v1/seekers?limit=1", headers=headers).json()["total"] == before
    for body in (b"not json", b'{"a": 1}', b"[]"):
        malformed = client.post(
            "/api/v1/seekers",
            content=body,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert malformed.status_code == 422 and malformed.json()["errors"][0]["message"]


def test_city_key_cannot_write_another_city(
    client: Any, service: Service, province: GeneratedProvince
) -> None:
    rows = _seeker_rows(province, "2102", 2, f"C{service.engine.dialect.name[:2]}")
    headers = service.headers(service.city_key)
    response = client.post("/api/v1/seekers", json=rows.to_dict("records"), headers=headers)
    assert response.status_code == 403
    check = client.get(f"/api/v1/seekers/{rows['seeker_id'].iloc[0]}", headers=headers)
    assert check.status_code == 404  # nothing stored


def test_vacancies_and_posts_take_only_their_programs(
    client: Any, service: Service, province: GeneratedProvince
) -> None:
    posts = for_csv(province.tables["posts"].head(6)).astype("string").fillna("")
    headers = service.headers(service.province_key)
    wrong = posts.loc[posts["program"] != "vacancy"].head(1)
    response = client.post("/api/v1/vacancies", json=wrong.to_dict("records"), headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["column"] == "program"
    vacancies = client.get("/api/v1/vacancies?limit=500", headers=headers).json()["items"]
    assert vacancies and {v["program"] for v in vacancies} == {"vacancy"}
    programs = client.get("/api/v1/posts?limit=500", headers=headers).json()["items"]
    assert "vacancy" not in {p["program"] for p in programs}
    vacancy = vacancies[0]["post_id"]
    assert client.get(f"/api/v1/posts/{vacancy}", headers=headers).status_code == 404
    shortlist = client.get(f"/api/v1/vacancies/{vacancy}/shortlist", headers=headers)
    assert shortlist.status_code == 200
    assert all("*" in s["id_number_masked"] for s in shortlist.json()["items"])


def test_runs_routes(client: Any, service: Service) -> None:
    headers = service.headers(service.city_key)
    run = client.get(f"/api/v1/runs/{service.run_id}", headers=headers).json()
    assert run["status"] == "succeeded" and run["output_hash"] and run["summary"]["pool"]
    placements = client.get(f"/api/v1/runs/{service.run_id}/placements", headers=headers).json()
    assert placements["total"] >= len(placements["items"]) > 0
    families = client.get(
        f"/api/v1/runs/{service.run_id}/families?include_covered=true", headers=headers
    )
    assert families.status_code == 200
    export = client.get(
        f"/api/v1/runs/{service.run_id}/export/recommendations.csv", headers=headers
    )
    assert export.status_code == 200 and export.text.startswith("\ufeffseeker_id,rank,post_id")
    assert (
        client.get(f"/api/v1/runs/{service.run_id}", headers=service.headers(service.other_key))
    ).status_code == 404
    assert client.get("/api/v1/runs/999999", headers=headers).status_code == 404
    fairness = client.get(f"/api/v1/fairness?run_id={service.run_id}", headers=headers).json()
    assert "welfare" in fairness["programs"]


def test_quotas_need_a_province_key(client: Any, service: Service) -> None:
    denied = client.get("/api/v1/quotas", headers=service.headers(service.city_key))
    assert denied.status_code == 403
    body = client.get(
        "/api/v1/quotas?program=welfare&total=100", headers=service.headers(service.province_key)
    ).json()
    assert sum(item["quota"] for item in body["items"]) == 100


def test_start_runs_for_two_cities_at_once(client: Any, service: Service) -> None:
    started = []
    for city, key in (("2101", service.city_key), ("2102", service.other_key)):
        response = client.post(
            "/api/v1/runs", json={"city": city, "week": "2009-W13"}, headers=service.headers(key)
        )
        assert response.status_code == 202, response.text
        started.append((response.json()["run_id"], key))
    cross = client.post(
        "/api/v1/runs",
        json={"city": "2102", "week": "2009-W13"},
        headers=service.headers(service.city_key),
    )
    assert cross.status_code == 403
    invalid = client.post(
        "/api/v1/runs",
        json={"city": "2101", "week": "W13"},
        headers=service.headers(service.city_key),
    )
    assert invalid.status_code == 422 and invalid.json()["errors"]
    unknown_preset = client.post(
        "/api/v1/runs",
        json={"city": "2101", "week": "2009-W14", "priority_preset": "alphabetical"},
        headers=service.headers(service.city_key),
    )
    assert unknown_preset.status_code == 422
    assert "listing_order" in unknown_preset.text
    deadline = time.monotonic() + 240
    statuses: dict[int, str] = {}
    while time.monotonic() < deadline:
        for run_id, key in started:
            statuses[run_id] = client.get(
                f"/api/v1/runs/{run_id}", headers=service.headers(key)
            ).json()["status"]
        if all(s != "running" for s in statuses.values()):
            break
        time.sleep(0.5)
    assert set(statuses.values()) == {"succeeded"}


def test_offer_outcomes(client: Any, service: Service) -> None:
    headers = service.headers(service.city_key)
    pending = client.get("/api/v1/offers?outcome=pending&city=2101", headers=headers).json()
    offer = pending["items"][0]
    denied = client.post(
        f"/api/v1/offers/{offer['offer_id']}/outcome",
        json={"outcome": "refused"},
        headers=service.headers(service.other_key),
    )
    assert denied.status_code == 404
    done = client.post(
        f"/api/v1/offers/{offer['offer_id']}/outcome",
        json={"outcome": "refused", "date": "2009-03-20"},
        headers=headers,
    )
    assert done.status_code == 200 and done.json()["outcome"] == "refused"
    twice = client.post(
        f"/api/v1/offers/{offer['offer_id']}/outcome", json={"outcome": "accepted"}, headers=headers
    )
    assert twice.status_code == 409
    unknown = client.post(
        "/api/v1/offers/99999999/outcome", json={"outcome": "accepted"}, headers=headers
    )
    assert unknown.status_code == 404


def _csrf(client: Any) -> str:
    """The CSRF token of a freshly loaded login form (its cookie is now in the client)."""
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/dashboard/login").text)
    assert found is not None
    return found.group(1)


def test_dashboard_login_and_pages(client: Any, service: Service) -> None:
    client.cookies.clear()
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    wrong = client.post("/dashboard/login", data={"key": "mk_bad_key", "csrf": _csrf(client)})
    assert wrong.status_code == 401
    page = client.post("/dashboard/login", data={"key": service.city_key, "csrf": _csrf(client)})
    assert page.status_code == 200
    assert "chart-cities" in page.text and "chart-tiers" in page.text
    assert f"#{service.run_id}" in page.text
    run_page = client.get(f"/dashboard/runs/{service.run_id}")
    assert run_page.status_code == 200 and "Fairness" in run_page.text
    client.cookies.clear()


def test_no_key_is_401_even_when_the_body_is_malformed(client: Any) -> None:
    """FastAPI would validate the body (422) before running the key dependency; the contract is
    that a request without a key learns nothing but that it needs one."""
    response = client.post(
        "/api/v1/seekers", content=b"\x00", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    for header in ("Bearer ", "Bearer 0", "Basic abc"):
        response = client.post(
            "/api/v1/offers/1/outcome", content=b"{", headers={"Authorization": header}
        )
        assert response.status_code == 401, header
