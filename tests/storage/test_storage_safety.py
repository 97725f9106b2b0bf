"""Storage safety (issue 13): statement parameters never logged, keys listed, revoked and
expiring, dashboard sessions, a clear message without psycopg, concurrent city writes, and
``matcher validate`` on fullwidth digits and duplicated identity numbers."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from matcher.cli import main
from matcher.errors import MatcherError
from matcher.generator import GeneratedProvince
from matcher.generator.output import for_csv
from matcher.storage import make_engine
from matcher.storage.keys import create_key, list_keys, revoke_key, utc_now, verify_key
from matcher.storage.models import households
from matcher.storage.sessions import create_session, end_session, session_principal
from matcher.storage.upsert import ForeignRowsError, upsert_frame, validate_batch

FULL_ID = re.compile(r"\d{17}[\dX]")


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(args)
    return int(exited.value.code or 0)


def test_database_errors_never_carry_parameters(loaded: Engine) -> None:
    """A failing statement's message (which reaches logs) has no values: they hold identity
    numbers and names."""
    with loaded.connect() as connection:
        existing = connection.execute(select(households).limit(1)).mappings().one()
    secret = "SECRET-VALUE-210102196205010011"
    with pytest.raises(IntegrityError) as caught, loaded.begin() as connection:
        connection.execute(insert(households).values({**existing, "district": secret}))
    assert secret not in str(caught.value)
    assert "hide_parameters" in str(caught.value)


def test_keys_list_revoke_and_expire(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    url = engine.url.render_as_string(hide_password=False)
    live = create_key(engine, "city", "2101", label="Shenyang")
    expired = create_key(engine, "province", expires_at=utc_now() - dt.timedelta(seconds=1))
    soon = create_key(engine, "province", expires_at=utc_now() + dt.timedelta(days=1))
    assert verify_key(engine, expired) is None
    assert verify_key(engine, soon) is not None
    states = {k.key_id: k.state for k in list_keys(engine)}
    live_id = live.split("_")[1]
    assert states == {live_id: "active", expired.split("_")[1]: "expired",
                      soon.split("_")[1]: "active"}  # fmt: skip
    capsys.readouterr()
    assert _run(["apikey", "list", "--db", url]) == 0
    listed = capsys.readouterr().out
    assert live_id in listed and "Shenyang" in listed and live.rsplit("_", 1)[1] not in listed
    assert _run(["apikey", "revoke", live_id, "--db", url]) == 0
    assert verify_key(engine, live) is None
    assert _run(["apikey", "revoke", "nosuchid", "--db", url]) == 1
    assert _run(["apikey", "create", "--role", "province", "--expires-in-days", "2",
                 "--db", url]) == 0  # fmt: skip
    created = capsys.readouterr().out.strip().splitlines()[-1]
    info = next(k for k in list_keys(engine) if k.key_id == created.split("_")[1])
    assert info.expires_at is not None and info.expires_at > utc_now() + dt.timedelta(days=1)


def test_sessions_end_at_logout_and_with_their_key(engine: Engine) -> None:
    key = create_key(engine, "city", "2102")
    key_id = key.split("_")[1]
    token = create_session(engine, key_id, dt.timedelta(hours=1))
    assert key.rsplit("_", 1)[1] not in token
    principal = session_principal(engine, token)
    assert principal is not None and principal.city == "2102"
    end_session(engine, token)
    assert session_principal(engine, token) is None
    again = create_session(engine, key_id, dt.timedelta(hours=1))
    revoke_key(engine, key_id)
    assert session_principal(engine, again) is None
    other = create_key(engine, "province")
    past = create_session(engine, other.split("_")[1], dt.timedelta(seconds=-1))
    assert session_principal(engine, past) is None


def test_postgres_without_psycopg_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import fails as if not installed
    with pytest.raises(MatcherError, match=r"matcher\[postgres\]"):
        make_engine("postgresql://user@127.0.0.1/db")


def test_concurrent_writers_of_two_cities_cannot_move_a_row(
    loaded: Engine, province: GeneratedProvince
) -> None:
    """Two cities upload the same new id at once: one inserts it, the other's conditional
    update does not apply and its transaction fails; the row stays with the first city."""
    base = for_csv(province.tables["households"].head(1)).astype("string").fillna("")
    frames = {}
    for city in ("2101", "2102"):
        mine = province.tables["households"]
        row = base.copy()
        row["household_id"] = "HRACE"
        row["city"] = city
        row["district"] = mine.loc[mine["city"] == city, "district"].iloc[0]
        with loaded.connect() as connection:
            frames[city] = validate_batch(connection, "households", row)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def write(city: str) -> None:
        barrier.wait()
        try:
            with loaded.begin() as connection:
                upsert_frame(connection, "households", frames[city], city=city)
            outcomes[city] = "written"
        except ForeignRowsError:
            outcomes[city] = "refused"

    threads = [threading.Thread(target=write, args=(c,)) for c in frames]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes.values()) == ["refused", "written"]
    winner = next(c for c, o in outcomes.items() if o == "written")
    with loaded.connect() as connection:
        stored = connection.execute(
            select(households.c.city).where(households.c.household_id == "HRACE")
        ).scalar_one()
    assert stored == winner


def _dataset_copy(small: Path, tmp_path: Path) -> tuple[Path, list[list[str]], int]:
    copy = tmp_path / "copy"
    shutil.copytree(small, copy)
    with (copy / "seekers.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return copy, rows, rows[0].index("id_number")


def _write(copy: Path, rows: list[list[str]]) -> None:
    with (copy / "seekers.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small") / "d"
    assert _run(["generate", "--scale", "small", "--seed", "3", "--out", str(out)]) == 0
    return out


def test_validate_normalises_fullwidth_digits(small: Path, tmp_path: Path) -> None:
    copy, rows, column = _dataset_copy(small, tmp_path)
    rows[1][column] = rows[1][column].translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    _write(copy, rows)
    assert _run(["validate", str(copy)]) == 0


def test_validate_masks_duplicated_numbers(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy, rows, column = _dataset_copy(small, tmp_path)
    rows[2][column] = rows[1][column]
    _write(copy, rows)
    capsys.readouterr()
    assert _run(["validate", str(copy)]) == 2
    captured = capsys.readouterr()
    assert "duplicate" in captured.err and not FULL_ID.search(captured.err + captured.out)


def test_validate_rejects_other_scripts_digits_cleanly(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy, rows, column = _dataset_copy(small, tmp_path)
    arabic = {ord(d): 0x0660 + int(d) for d in "0123456789"}  # not made ASCII by NFKC
    rows[1][column] = rows[1][column].translate(arabic)
    _write(copy, rows)
    capsys.readouterr()
    assert _run(["validate", str(copy)]) == 2
    assert "17 digits" in capsys.readouterr().err
