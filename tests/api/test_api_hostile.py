"""The service under hostile input (issue 13), on SQLite and PostgreSQL: no writes across
cities, no identity numbers or other cities' ids in messages, every malformed input a 4xx
naming its row and column, bounded error lists, formula-safe exports, security headers."""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd
import pytest
from service_fixtures import Service
from sqlalchemy import select

from matcher.generator import GeneratedProvince
from matcher.generator.output import for_csv
from matcher.storage.models import DOMAIN_TABLES

FULL_ID = re.compile(r"\d{17}[\dX]")


def _rows(
    province: GeneratedProvince | dict[str, pd.DataFrame], table: str, city: str
) -> pd.DataFrame:
    tables = province if isinstance(province, dict) else province.tables
    frame = tables[table]
    return for_csv(frame.loc[frame["city"] == city]).astype("string").fillna("")


def _stored_city(service: Service, table: str, key: str, value: str) -> str | None:
    domain = DOMAIN_TABLES[table]
    with service.engine.connect() as connection:
        return connection.execute(
            select(domain.c.city).where(domain.c[key] == value)
        ).scalar_one_or_none()


def _moved_to_2101(tables: dict[str, pd.DataFrame], table: str, key: str) -> pd.DataFrame:
    """A 2102 row of ``table`` re-labelled as a valid 2101 row (same id)."""
    mine = _rows(tables, table, "2101").iloc[0]
    row = _rows(tables, table, "2102").head(1).copy()
    row["city"] = "2101"
    row["district"] = mine["district"]
    for reference in ("household_id", "employer_id"):
        if reference in row.columns and reference != key:
            row[reference] = mine[reference]
    return row


@pytest.mark.parametrize(
    ("table", "key", "route"),
    [
        ("seekers", "seeker_id", "seekers"),
        ("households", "household_id", "households"),
        ("employers", "employer_id", "employers"),
        ("posts", "post_id", "vacancies"),
    ],
)
def test_city_key_cannot_take_over_another_citys_row(
    client: Any, service: Service, province: GeneratedProvince, table: str, key: str, route: str
) -> None:
    tables = dict(province.tables)
    if table == "posts":
        tables["posts"] = tables["posts"].loc[tables["posts"]["program"] == "vacancy"]
    row = _moved_to_2101(tables, table, key)
    victim = str(row[key].iloc[0])
    response = client.post(
        f"/api/v1/{route}", json=row.to_dict("records"), headers=service.headers(service.city_key)
    )
    assert response.status_code == 404, response.text
    assert response.json()["errors"][0]["row"] == 0
    assert "2102" not in response.text  # the owner is not named
    assert _stored_city(service, table, key, victim) == "2102"  # nothing changed
    # As CSV too (rows counted as in a spreadsheet).
    as_csv = client.post(
        f"/api/v1/{route}",
        content=row.to_csv(index=False),
        headers={**service.headers(service.city_key), "Content-Type": "text/csv"},
    )
    assert as_csv.status_code == 404 and as_csv.json()["errors"][0]["row"] == 2
    assert _stored_city(service, table, key, victim) == "2102"
    # The province key may still correct a row's city.
    assert (
        client.get(
            f"/api/v1/{route}/{victim}", headers=service.headers(service.province_key)
        ).json()["city"]
        == "2102"
    )


def test_other_citys_ids_answer_as_unknown_ones(
    client: Any, service: Service, province: GeneratedProvince
) -> None:
    theirs = str(_rows(province, "seekers", "2102")["seeker_id"].iloc[0])
    headers = service.headers(service.city_key)
    elsewhere = client.get(f"/api/v1/seekers/{theirs}", headers=headers)
    nowhere = client.get("/api/v1/seekers/S9999999", headers=headers)
    assert elsewhere.status_code == nowhere.status_code == 404
    assert elsewhere.json()["detail"].replace(theirs, "X") == nowhere.json()["detail"].replace(
        "S9999999", "X"
    )
    run = client.get(f"/api/v1/runs/{service.run_id}", headers=service.headers(service.other_key))
    assert run.status_code == 404


def test_cross_city_references_are_refused(
    client: Any, service: Service, province: GeneratedProvince
) -> None:
    seeker = _rows(province, "seekers", "2101").head(1).copy()
    seeker["household_id"] = _rows(province, "households", "2102")["household_id"].iloc[0]
    response = client.post(
        "/api/v1/seekers", json=seeker.to_dict("records"), headers=service.headers(service.city_key)
    )
    assert response.status_code == 422
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(0, "household_id")]
    vacancy = province.tables["posts"]
    vacancy = for_csv(vacancy.loc[(vacancy["program"] == "vacancy") & (vacancy["city"] == "2101")])
    vacancy = vacancy.astype("string").fillna("").head(1)
    vacancy["employer_id"] = _rows(province, "employers", "2102")["employer_id"].iloc[0]
    response = client.post(
        "/api/v1/vacancies",
        json=vacancy.to_dict("records"),
        headers=service.headers(service.province_key),
    )
    assert response.status_code == 422
    assert "employer_id" in {e["column"] for e in response.json()["errors"]}


def test_identity_numbers_never_appear_in_errors(
    client: Any, service: Service, province: GeneratedProvince
) -> None:
    rows = _rows(province, "seekers", "2101").head(2).copy()
    rows["seeker_id"] = ["DUP1", "DUP2"]
    rows["id_number"] = rows["id_number"].iloc[0]  # two rows, one number
    headers = service.headers(service.city_key)
    for body, extra in (
        (json.dumps(rows.to_dict("records")), {}),
        (rows.to_csv(index=False), {"Content-Type": "text/csv"}),
    ):
        response = client.post("/api/v1/seekers", content=body, headers={**headers, **extra})
        assert response.status_code == 422
        assert not FULL_ID.search(response.text), response.text
    # A number registered to a seeker of another city: the other seeker is not named.
    theirs = _rows(province, "seekers", "2102").iloc[0]
    mine = _rows(province, "seekers", "2101").head(1).copy()
    mine["seeker_id"] = "NEWSEEKER"
    for column in ("id_number", "birth_date", "sex"):
        mine[column] = theirs[column]
    response = client.post("/api/v1/seekers", json=mine.to_dict("records"), headers=headers)
    assert response.status_code == 422
    assert theirs["seeker_id"] not in response.text and not FULL_ID.search(response.text)


def _seeker(province: GeneratedProvince, **changes: Any) -> list[dict[str, Any]]:
    row = _rows(province, "seekers", "2101").head(1).to_dict("records")[0]
    row["seeker_id"] = "MALFORMED1"
    row.update(changes)
    return [row]


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"name": "王\x00伟"}, "name"),
        ({"skills": "电工\ud800"}, "skills"),
        ({"seeker_id": "S" * 65}, "seeker_id"),
        ({"graduation_year": 2**64 + 5}, "graduation_year"),
        ({"skills": {"nested": "object"}}, "skills"),
        ({"desired_titles": [["a"], "b"]}, "desired_titles"),
    ],
    ids=["nul", "lone-surrogate", "overlong-id", "2**64+5", "object", "nested-list"],
)
def test_malformed_cells_are_422_naming_row_and_column(
    client: Any, service: Service, province: GeneratedProvince, changes: dict[str, Any], column: str
) -> None:
    # ensure_ascii keeps the surrogate as a \ud800 escape, as an attacker would send it.
    body = json.dumps(_seeker(province, **changes), ensure_ascii=True)
    response = client.post(
        "/api/v1/seekers",
        content=body,
        headers={**service.headers(service.city_key), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert (0, column) in {(e["row"], e["column"]) for e in response.json()["errors"]}
    assert _stored_city(service, "seekers", "seeker_id", "MALFORMED1") is None


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"name": "王\x00伟"}, "name", "NUL"),
        ({"graduation_year": str(2**64 + 5)}, "graduation_year", "between"),
    ],
    ids=["nul", "2**64+5"],
)
def test_malformed_csv_cells_are_422_naming_row_and_column(
    client: Any,
    service: Service,
    province: GeneratedProvince,
    changes: dict[str, Any],
    column: str,
    message: str,
) -> None:
    rows = pd.DataFrame(_seeker(province, **changes))
    response = client.post(
        "/api/v1/seekers",
        content=rows.to_csv(index=False),
        headers={**service.headers(service.city_key), "Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    error = next(e for e in response.json()["errors"] if (e["row"], e["column"]) == (2, column))
    assert message in error["message"] and "-9223372036854775808" not in response.text


def test_fullwidth_identity_digits_are_normalised(
    client: Any, service: Service, province: GeneratedProvince
) -> None:
    from matcher import idnumber

    row = _seeker(province)[0]
    number = idnumber.make(row["district"], pd.Timestamp(row["birth_date"]).date(),
                           950 + (row["sex"] == "M"))  # odd: male  # fmt: skip
    row["id_number"] = number.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    response = client.post("/api/v1/seekers", json=[row], headers=service.headers(service.city_key))
    assert response.status_code == 200, response.text
    stored = client.get("/api/v1/seekers/MALFORMED1", headers=service.headers(service.city_key))
    assert stored.json()["id_number_masked"] == idnumber.mask(number)  # stored as ASCII


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_json_is_422(client: Any, service: Service, depth: int) -> None:
    body = "[" * depth + "]" * depth
    for path in ("/api/v1/seekers", "/api/v1/runs", "/api/v1/offers/1/outcome"):
        response = client.post(
            path,
            content=body,
            headers={**service.headers(service.city_key), "Content-Type": "application/json"},
        )
        assert 400 <= response.status_code < 500, (path, response.status_code)


def test_error_lists_are_capped_with_a_count_of_the_rest(
    client: Any, service: Service, province: GeneratedProvince
) -> None:
    row = _seeker(province)[0]
    columns = list(row)
    empty = ",".join(columns) + "\n" + ("," * (len(columns) - 1) + "\n") * 3000
    response = client.post(
        "/api/v1/seekers",
        content=empty,
        headers={**service.headers(service.city_key), "Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    body = response.json()
    assert len(body["errors"]) == 100 and body["errors_omitted"] > 3000


def test_outcome_date_must_fall_between_the_offer_and_today(client: Any, service: Service) -> None:
    headers = service.headers(service.city_key)
    offer = client.get("/api/v1/offers?outcome=pending&city=2101", headers=headers).json()
    offer_id = offer["items"][-1]["offer_id"]
    for when in ("1900-01-01", "2999-01-01"):
        response = client.post(
            f"/api/v1/offers/{offer_id}/outcome",
            json={"outcome": "accepted", "date": when},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["column"] == "date"


def test_runs_filter_by_status(client: Any, service: Service) -> None:
    headers = service.headers(service.province_key)
    succeeded = client.get("/api/v1/runs?status=succeeded", headers=headers).json()
    failed = client.get("/api/v1/runs?status=failed", headers=headers).json()
    assert succeeded["total"] >= 1 and failed["total"] == 0
    assert client.get("/api/v1/runs?status=bogus", headers=headers).status_code == 422


def test_security_headers(client: Any, service: Service) -> None:
    for path in ("/health", "/dashboard/login", "/api/v1/seekers"):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy


def test_dashboard_session_is_not_the_key_and_login_needs_csrf(
    client: Any, service: Service
) -> None:
    client.cookies.clear()
    # A login posted from another site: no CSRF cookie, or a token that does not match.
    forged = client.post("/dashboard/login", data={"key": service.city_key, "csrf": "x"})
    assert forged.status_code == 403 and "matcher_session" not in forged.cookies
    form = client.get("/dashboard/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    cross_origin = client.post(
        "/dashboard/login",
        data={"key": service.city_key, "csrf": token.group(1)},
        headers={"Origin": "https://evil.example"},
    )
    assert cross_origin.status_code == 403
    form = client.get("/dashboard/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    page = client.post("/dashboard/login", data={"key": service.city_key, "csrf": token.group(1)})
    assert page.status_code == 200
    session = client.cookies.get("matcher_session")
    # The key is mk_<key id>_<secret>; the secret is URL-safe base64 and may hold "_" itself.
    secret = service.city_key.split("_", 2)[2]
    assert session and secret not in session
    assert service.city_key not in str(client.cookies)
    client.get("/dashboard/logout")
    client.cookies.set("matcher_session", session, path="/dashboard")
    after = client.get("/dashboard", follow_redirects=False)
    assert after.status_code == 303  # the session ended at logout
    client.cookies.clear()
