"""Dependencies: settings, the engine, the caller's key and what it may see.

``Annotated`` aliases keep route signatures short: ``SettingsDep``, ``EngineDep``,
``ConnectionDep`` (one connection per request, rolled back unless a route commits),
``PrincipalDep`` (a valid key: 401 otherwise).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Annotated, cast

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from api.settings import Settings, get_settings
from matcher.storage.engine import make_engine
from matcher.storage.keys import Principal, verify_key

SettingsDep = Annotated[Settings, Depends(get_settings)]
_engines_lock = threading.Lock()
_keys_lock = threading.Lock()
bearer = HTTPBearer(auto_error=False, description="An API key from `matcher apikey create`.")


def settings_of(app: FastAPI) -> Settings:
    """The settings the ``get_settings`` dependency would give (overrides included), for code
    outside dependency injection and for async dependencies: ``get_settings`` is a plain
    function, which FastAPI would run in the thread pool on every request."""
    settings: Settings = app.dependency_overrides.get(get_settings, get_settings)()
    return settings


def get_engine(request: Request, settings: Settings) -> Engine:
    """The engine for the configured database, made on first use and kept by the app.

    Its SQLite writers wait ``sqlite_busy_seconds`` for a lock, then the request gets 503.
    """
    return app_engine(request.app, settings, "requests")


def app_engine(app: FastAPI, settings: Settings, purpose: str) -> Engine:
    """The app's engine for ``purpose``: ``requests`` (short SQLite busy wait) or ``runs``
    (background runs: the default 60 s, as a run from the CLI)."""
    engines: dict[str, Engine] = app.state.engines
    name = f"{purpose}:{settings.db or ''}"
    engine = engines.get(name)
    if engine is None:
        with _engines_lock:
            engine = engines.get(name)
            if engine is None:
                options: dict[str, int] = {}
                if purpose == "requests":
                    options["busy_timeout_ms"] = int(settings.sqlite_busy_seconds * 1000)
                engine = make_engine(settings.db, pool_size=20, max_overflow=20, **options)
                engines[name] = engine
    return engine


async def _engine_dependency(request: Request) -> Engine:
    # Async: a dictionary look-up (making an engine opens no connection) needs no thread.
    return get_engine(request, settings_of(request.app))


EngineDep = Annotated[Engine, Depends(_engine_dependency)]


def get_connection(engine: EngineDep) -> Iterator[Connection]:
    with engine.connect() as connection:
        yield connection


ConnectionDep = Annotated[Connection, Depends(get_connection)]


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"}
    )


#: Where the key middleware leaves ``(token, principal)`` in the request's state.
VERIFIED_KEY = "matcher_verified_key"


def cached_principal(request: Request, settings: Settings, token: str) -> Principal | None:
    """The principal of a key verified less than ``key_cache_seconds`` ago, else ``None``."""
    cache: dict[str, tuple[float, Principal]] = request.app.state.key_cache
    hit = cache.get(token)
    if hit is not None and time.monotonic() - hit[0] < settings.key_cache_seconds:
        return hit[1]
    return None


def principal_for(request: Request, engine: Engine, settings: Settings, token: str) -> Principal:
    """Verify a presented key (remembered for ``key_cache_seconds``)."""
    hit = cached_principal(request, settings, token)
    if hit is not None:
        return hit
    now = time.monotonic()
    principal = verify_key(engine, token)
    if principal is None:
        raise _unauthorized("invalid or revoked API key")
    if settings.key_cache_seconds > 0:
        cache: dict[str, tuple[float, Principal]] = request.app.state.key_cache
        with _keys_lock:
            if len(cache) > 10_000:
                cache.clear()
            cache[token] = (now, principal)
    return principal


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller's key from ``Authorization: Bearer …``; 401 when absent or not valid.

    Under ``/api/v1`` the key middleware has already verified it and left the principal in
    the request's state; otherwise it is verified here (in the thread pool: it may read the
    database).
    """
    if credentials is None or not credentials.credentials:
        raise _unauthorized("an API key is required: Authorization: Bearer <key>")
    token = credentials.credentials
    verified = request.scope.get("state", {}).get(VERIFIED_KEY)
    if verified is not None and verified[0] == token:
        return cast(Principal, verified[1])
    settings = settings_of(request.app)
    engine = get_engine(request, settings)
    return await run_in_threadpool(principal_for, request, engine, settings, token)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_province(principal: PrincipalDep) -> Principal:
    """Province-wide routes: 403 for a city key."""
    if principal.role != "province":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs a province key")
    return principal


ProvinceDep = Annotated[Principal, Depends(require_province)]


def forbid_unless(principal: Principal, city: str | None) -> None:
    """403 unless the key may see ``city``."""
    if not principal.can_see(city):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"a key of city {principal.city} cannot access city {city}"
        )


def visible_or_404(principal: Principal, city: str | None, noun: str, key: object) -> None:
    """404, the same answer as for an id that does not exist, unless the key may see ``city``.

    Ids are sequential, so a 403 for another city's row would tell a city key which ids exist
    elsewhere; resources named by id answer alike whether they are absent or not the key's.
    """
    if not principal.can_see(city):
        raise not_found(noun, key)


def not_found(noun: str, key: object) -> HTTPException:
    """404 naming the id asked for (nothing about whom it belongs to)."""
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no {noun} {str(key)!r}")


def scoped_city(principal: Principal, city: str | None) -> str | None:
    """The city a list is restricted to: a city key's own city (403 if it asks for another),
    or the requested city (``None``: every city) for a province key."""
    if principal.role == "province":
        return city
    if city is not None and city != principal.city:
        forbid_unless(principal, city)
    return principal.city


class Paging:
    """``offset``/``limit`` query parameters, the limit capped by the settings."""

    def __init__(
        self,
        settings: SettingsDep,
        offset: Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip")] = 0,
        limit: Annotated[int, Query(ge=1, le=10_000, description="Rows to return")] = 50,
    ) -> None:
        self.offset = offset
        self.limit = min(limit, settings.max_page_size)


PagingDep = Annotated[Paging, Depends()]
CityQuery = Annotated[
    str | None, Query(pattern=r"^21(0[1-9]|1[0-4])$", description="City code 2101-2114")
]
#: Row ids in paths: bounded so no database is asked for an integer it cannot hold.
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
