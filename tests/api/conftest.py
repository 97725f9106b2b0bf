"""Fixtures of the API tests: a migrated, loaded service with keys of every role and a client,
on SQLite and PostgreSQL (shared fixtures in ``tests/service_fixtures.py``)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from service_fixtures import *  # noqa: F403  (fixtures are found by name)
from service_fixtures import Service, _fresh_database

from matcher.generator import GeneratedProvince
from matcher.storage import make_engine, upgrade
from matcher.storage.upsert import upsert_tables


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    province: GeneratedProvince,
) -> Iterator[Service]:
    from matcher.runs import run_week
    from matcher.storage.keys import create_key

    for url in _fresh_database(request.param, tmp_path_factory):
        engine = make_engine(url)
        upgrade(engine)
        with engine.begin() as connection:
            upsert_tables(connection, province.tables)
        outcome = run_week(engine, "2101", "2009-W12")
        yield Service(
            url=url,
            engine=engine,
            province_key=create_key(engine, "province"),
            city_key=create_key(engine, "city", "2101"),
            other_key=create_key(engine, "city", "2102"),
            run_id=outcome.run_id,
        )
        engine.dispose()


@pytest.fixture(scope="module")
def client(service: Service) -> Iterator[Any]:
    with warnings.catch_warnings():
        # starlette's TestClient warns that it wants httpx2; the test client works with httpx.
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from api import create_app
    from api.settings import Settings

    app = create_app(Settings(db=service.url, key_cache_seconds=0))
    with TestClient(app) as test_client:
        yield test_client
