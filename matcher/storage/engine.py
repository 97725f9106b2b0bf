"""Engines and sessions from a database URL, and schema migrations.

The URL comes from ``--db``, else the ``MATCHER_DB`` environment variable, else the embedded
SQLite file ``$XDG_DATA_HOME/matcher/matcher.db`` (``~/.local/share/matcher/matcher.db``).
``postgresql://`` URLs are served by psycopg 3. Nothing connects at import.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from matcher.errors import MatcherError

ENV_VAR = "MATCHER_DB"
_MIGRATIONS = Path(__file__).with_name("migrations")
# A writer waits this long for another writer's transaction on SQLite before giving up.
_SQLITE_BUSY_MS = 60_000
#: What a client told "busy" (HTTP 503) is asked to wait before retrying, in seconds.
RETRY_AFTER_SECONDS = 5


def default_sqlite_path() -> Path:
    """The embedded database file used when no URL is given."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "matcher" / "matcher.db"


def resolve_url(url: str | None = None) -> str:
    """The URL to use: ``url`` if given, else ``$MATCHER_DB``, else the embedded SQLite file.

    ``postgresql://`` and ``postgres://`` are rewritten to use the psycopg 3 driver.
    """
    chosen = url or os.environ.get(ENV_VAR) or f"sqlite:///{default_sqlite_path()}"
    for prefix in ("postgresql://", "postgres://"):
        if chosen.startswith(prefix):
            chosen = "postgresql+psycopg://" + chosen[len(prefix) :]
    return chosen


def _sqlite_pragmas(busy_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers (the API) work while a run writes; foreign keys are off by default.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def is_busy(error: BaseException) -> bool:
    """Whether a database error means "another writer holds the lock; try again"."""
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "database is busy" in text


def _require_psycopg() -> None:
    try:
        import psycopg  # noqa: F401
    except ModuleNotFoundError:
        raise MatcherError(
            "PostgreSQL needs the psycopg driver, which is not installed: "
            "pip install 'matcher[postgres]'"
        ) from None


def make_engine(
    url: str | None = None, *, busy_timeout_ms: int = _SQLITE_BUSY_MS, **kwargs: Any
) -> Engine:
    """An engine for ``url`` (see :func:`resolve_url`); SQLite files get their directory made.

    Statement parameters are never shown in logs or error messages (``hide_parameters``):
    they hold identity numbers and names. ``busy_timeout_ms`` is how long a SQLite writer
    waits for another's lock before the statement fails as busy.

    Raises
    ------
    MatcherError
        If the URL cannot be parsed or names an unsupported database.
    """
    resolved = resolve_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError as error:
        raise MatcherError(f"invalid database URL {url!r}: {error}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise MatcherError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    kwargs.setdefault("hide_parameters", True)
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault(
            "connect_args", {"check_same_thread": False, "timeout": busy_timeout_ms / 1000}
        )
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        return engine
    if parsed.get_driver_name() == "psycopg":
        _require_psycopg()
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session committed at the end of the block, rolled back if it raises."""
    with session_factory(engine)() as session, session.begin():
        yield session


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (default: the latest) with Alembic."""
    from alembic import command

    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the database, or ``None`` if it was never migrated."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The latest schema revision shipped with this code."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def require_current(engine: Engine) -> None:
    """Raise a clear error unless the schema is at the latest revision.

    Raises
    ------
    MatcherError
        Telling the user to run ``matcher db upgrade``.
    """
    revision = current_revision(engine)
    if revision != head_revision():
        where = engine.url.render_as_string(hide_password=True)
        state = "has no matcher schema" if revision is None else f"is at revision {revision}"
        raise MatcherError(
            f"the database {where} {state}; run 'matcher db upgrade --db URL' first "
            f"(latest revision {head_revision()})"
        )


def table_names(engine: Engine) -> list[str]:
    """Tables present in the database (for diagnostics and tests)."""
    return sorted(inspect(engine).get_table_names())
