"""Service settings, read from the environment (``MATCHER_*``) when first asked for.

Served by the cached :func:`get_settings` dependency, never built at import, so tests override
it (``app.dependency_overrides[get_settings] = ...``) or pass settings to ``create_app``.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of the service."""

    model_config = SettingsConfigDict(env_prefix="MATCHER_", extra="ignore")

    #: Database URL; empty means ``matcher.storage.resolve_url``'s default (``MATCHER_DB``).
    db: str | None = None
    #: Background threads running weekly runs at once.
    run_workers: int = 2
    #: Largest page a list endpoint returns.
    max_page_size: int = 500
    #: Verified keys are remembered this many seconds (0 disables), sparing a database read on
    #: every request; a revoked key stops working after at most this long.
    key_cache_seconds: float = 30.0
    #: On SQLite, how long a request's write waits for another writer's lock before the
    #: request is answered 503 with ``Retry-After`` (runs started by the API keep 60 s).
    sqlite_busy_seconds: float = 10.0
    #: A dashboard session lasts this long after login.
    session_hours: float = 8.0


@lru_cache
def get_settings() -> Settings:
    """The process's settings (cached)."""
    return Settings()
