"""Storage: migrations, validated all-or-nothing upserts, typed reads, URLs and API keys —
against SQLite and PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from matcher.errors import DataValidationError, MatcherError
from matcher.generator import GeneratedProvince
from matcher.generator.output import for_csv
from matcher.storage import make_engine, require_current, resolve_url, upgrade
from matcher.storage.engine import current_revision, head_revision, table_names
from matcher.storage.keys import create_key, revoke_key, verify_key
from matcher.storage.models import ApiKey, seekers
from matcher.storage.upsert import raw_from_records, read_table, upsert_batch


def _count(engine: Engine, table: str) -> int:
    from matcher.storage.models import DOMAIN_TABLES

    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(DOMAIN_TABLES[table])).scalar() or 0
        )


def _raw(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows as a CSV would deliver them: every cell text."""
    return for_csv(frame).astype("string").fillna("")


def test_upgrade_creates_schema_and_is_idempotent(empty_db: str) -> None:
    engine = make_engine(empty_db)
    with pytest.raises(MatcherError, match="matcher db upgrade"):
        require_current(engine)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    require_current(engine)
    expected = {
        "seekers", "households", "employers", "posts", "runs", "offers", "api_keys",
        "run_recommendations", "run_shortlists", "run_placements", "run_families",
    }  # fmt: skip
    assert expected <= set(table_names(engine))
    engine.dispose()


def test_round_trip_keeps_every_value(loaded: Engine, province: GeneratedProvince) -> None:
    with loaded.connect() as connection:
        for name in ("seekers", "households", "employers", "posts"):
            stored = read_table(connection, name)
            original = province.tables[name].sort_values(stored.columns[0]).reset_index(drop=True)
            assert len(stored) == len(original)
            for column in original.columns:
                left = original[column].astype("string").fillna("∅")
                right = stored[column].astype("string").fillna("∅")
                if pd.api.types.is_datetime64_any_dtype(original[column]):
                    left = original[column].dt.strftime("%Y-%m-%d").fillna("∅")
                    right = stored[column].dt.strftime("%Y-%m-%d").fillna("∅")
                elif pd.api.types.is_bool_dtype(original[column]):
                    left = original[column].astype("boolean").astype("string").fillna("∅")
                assert left.tolist() == right.tolist(), (name, column)


def test_bad_batch_is_rejected_whole_with_row_errors(
    loaded: Engine, province: GeneratedProvince
) -> None:
    before = _count(loaded, "seekers")
    rows = _raw(province.tables["seekers"].head(4))
    rows["seeker_id"] = ["N1", "N2", "N3", "N4"]
    rows["id_number"] = rows["id_number"]  # already registered to other seekers: rejected
    rows.loc[1, "education"] = "college"
    rows.loc[3, "household_id"] = "H-NOPE"
    with pytest.raises(DataValidationError) as caught, loaded.begin() as connection:
        upsert_batch(connection, "seekers", rows)
    problems = caught.value.problems
    assert {(p.row, p.column) for p in problems} >= {(3, "education")}
    assert _count(loaded, "seekers") == before


def test_references_and_identity_numbers_are_checked_against_the_database(
    loaded: Engine, province: GeneratedProvince
) -> None:
    rows = _raw(province.tables["seekers"].head(3))
    rows["seeker_id"] = ["N1", "N2", "N3"]
    rows.loc[2, "household_id"] = "H-NOPE"
    with pytest.raises(DataValidationError) as caught, loaded.begin() as connection:
        upsert_batch(connection, "seekers", rows)
    found = {(p.row, p.column, p.rule.split(":")[0]) for p in caught.value.problems}
    assert (4, "household_id", "unknown id") in found
    reused = [p for p in caught.value.problems if "already registered" in p.rule]
    assert {p.row for p in reused} == {2, 3, 4}
    assert all("*" in (p.value or "") for p in reused)  # identity numbers masked in errors


def test_update_keeps_service_state(loaded: Engine, province: GeneratedProvince) -> None:
    first = province.tables["seekers"].iloc[[0]]
    seeker_id = str(first["seeker_id"].iloc[0])
    with loaded.begin() as connection:
        connection.execute(
            seekers.update().where(seekers.c.seeker_id == seeker_id).values(placed_week="2009-W11")
        )
    changed = _raw(first)
    changed["name"] = ["新名字"]
    with loaded.begin() as connection:
        _, result = upsert_batch(connection, "seekers", changed)
    assert (result.inserted, result.updated) == (0, 1)
    with loaded.connect() as connection:
        row = connection.execute(
            select(seekers.c.name, seekers.c.placed_week).where(seekers.c.seeker_id == seeker_id)
        ).one()
    assert tuple(row) == ("新名字", "2009-W11")


def test_json_records_become_text_cells() -> None:
    raw = raw_from_records([{"a": True, "b": None, "c": 3, "d": ["x", "y"]}, {"e": "z"}])
    assert raw.to_dict("records") == [
        {"a": "true", "b": "", "c": "3", "d": "x|y", "e": ""},
        {"a": "", "b": "", "c": "", "d": "", "e": "z"},
    ]


def test_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.delenv("MATCHER_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", "/data/home")
    assert resolve_url() == "sqlite:////data/home/matcher/matcher.db"
    monkeypatch.setenv("MATCHER_DB", "postgresql://u@h/db")
    assert resolve_url() == "postgresql+psycopg://u@h/db"
    assert resolve_url("sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(MatcherError, match="unsupported database"):
        make_engine("mysql://u@h/db")
    with pytest.raises(MatcherError, match="invalid database URL"):
        make_engine("not a url")


def test_api_keys_are_stored_hashed_and_scoped(engine: Engine) -> None:
    province_key = create_key(engine, "province")
    city_key = create_key(engine, "city", "2102", label="Dalian office")
    with engine.connect() as connection:
        digests = connection.execute(select(ApiKey.digest)).scalars().all()
    secrets = {province_key.rsplit("_", 1)[1], city_key.rsplit("_", 1)[1]}
    assert not secrets & set(digests)
    principal = verify_key(engine, city_key)
    assert principal is not None and (principal.role, principal.city) == ("city", "2102")
    assert principal.can_see("2102") and not principal.can_see("2101")
    assert verify_key(engine, city_key[:-1] + ("A" if city_key[-1] != "A" else "B")) is None
    assert verify_key(engine, "garbage") is None
    assert revoke_key(engine, principal.key_id)
    assert verify_key(engine, city_key) is None
    for role, city in (("city", None), ("city", "9999"), ("province", "2101"), ("admin", None)):
        with pytest.raises(MatcherError):
            create_key(engine, role, city)


def test_migrations_build_the_schema_the_models_declare(empty_db: str) -> None:
    # The models name the run tables' columns through matcher.schemas.columns; the released
    # migrations spell them out. Alembic's comparison finds any column, type, key or index the
    # two disagree on.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from matcher.storage.models import Base

    engine = make_engine(empty_db)
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []
