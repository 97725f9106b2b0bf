"""Shared fixtures of the service tests (storage, runs, API), star-imported by their conftests:
a tiny generated province (two cities) and migrated databases on SQLite (always) and PostgreSQL
(when the server on 127.0.0.1:5432 answers; otherwise those cases are skipped and the terminal
summary says so loudly, see ``tests/conftest.py``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from matcher.generator import GeneratedProvince, Scale, generate_province
from matcher.storage import make_engine, upgrade
from matcher.storage.upsert import upsert_tables

PG_ADMIN = os.environ.get("MATCHER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_PG_SKIPS: list[str] = []

# Two cities, a few hundred seekers: every stage of a run has something to do, fast.
TINY = Scale(
    "tiny", ("2101", "2102"), 420, 140, 40, 8, 24, 4, 8, 20, 4, 6, 90, 40, 10, 300, 60
)  # fmt: skip


def _pg_admin_engine() -> Engine | None:
    engine = make_engine(
        PG_ADMIN, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect():
            return engine
    except Exception as error:
        _PG_SKIPS.append(f"{PG_ADMIN}: {type(error).__name__}: {str(error).splitlines()[0]}")
        engine.dispose()
        return None


@pytest.fixture(scope="session")
def province() -> GeneratedProvince:
    return generate_province(TINY, seed=7)


def _fresh_database(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if kind == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / f"matcher-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite:///{path}"
        return
    admin = _pg_admin_engine()
    if admin is None:
        pytest.skip(
            "PostgreSQL SKIPPED: no server at 127.0.0.1:5432 "
            f"({_PG_SKIPS[-1] if _PG_SKIPS else 'unreachable'}); start it to run these tests"
        )
    from sqlalchemy import text

    name = f"matcher_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """URL of a fresh, unmigrated database (one per test)."""
    yield from _fresh_database(request.param, tmp_path_factory)


@pytest.fixture
def engine(empty_db: str) -> Iterator[Engine]:
    """A migrated, empty database."""
    engine = make_engine(empty_db)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def loaded(engine: Engine, province: GeneratedProvince) -> Engine:
    """A migrated database holding the tiny province."""
    with engine.begin() as connection:
        upsert_tables(connection, province.tables)
    return engine


@pytest.fixture
def sqlite_loaded(tmp_path: Path, province: GeneratedProvince) -> Iterator[Engine]:
    """A migrated SQLite file holding the tiny province (for tests needing one backend)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'runs.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        upsert_tables(connection, province.tables)
    yield engine
    engine.dispose()


@dataclass
class Service:
    """A migrated, loaded database with one succeeded run of 2101 and keys of every kind."""

    url: str
    engine: Engine
    province_key: str
    city_key: str  # 2101, which has the run
    other_key: str  # 2102
    run_id: int

    def headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}
