"""The service's database: SQLAlchemy 2 tables, engines from a URL, Alembic migrations, and
validated upserts of seekers, households, employers and posts."""

from matcher.storage.engine import (
    ENV_VAR,
    default_sqlite_path,
    make_engine,
    require_current,
    resolve_url,
    session_factory,
    session_scope,
    upgrade,
)

__all__ = [
    "ENV_VAR",
    "default_sqlite_path",
    "make_engine",
    "require_current",
    "resolve_url",
    "session_factory",
    "session_scope",
    "upgrade",
]
