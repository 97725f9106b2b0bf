"""Dependencies: settings, the engine, the caller's key and what it may see.

``Annotated`` aliases keep route signatures short: ``SettingsDep``, ``EngineDep``,
``ConnectionDep`` (one connection per request, rolled back unless a route commits),
``PrincipalDep`` (a valid key: 401 otherwise).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine

from api.settings import Settings, get_settings
from matcher.storage.engine import make_engine
from matcher.storage.keys import Principal, verify_key

SettingsDep = Annotated[Settings, Depends(get_settings)]
_engines_lock = threading.Lock()
_keys_lock = threading.Lock()
bearer = HTTPBearer(auto_error=False, description="An API key from `matcher apikey create`.")


def get_engine(request: Request, settings: SettingsDep) -> Engine:
    """The engine for the configured database, made on first use and kept by the app."""
    engines: dict[str, Engine] = request.app.state.engines
    url = settings.db or ""
    engine = engines.get(url)
    if engine is None:
        with _engines_lock:
            engine = engines.get(url)
            if engine is None:
                engine = make_engine(settings.db, pool_size=20, max_overflow=20)
                engines[url] = engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def get_connection(engine: EngineDep) -> Iterator[Connection]:
    with engine.connect() as connection:
        yield connection


ConnectionDep = Annotated[Connection, Depends(get_connection)]


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"}
    )


def principal_for(request: Request, engine: Engine, settings: Settings, token: str) -> Principal:
    """Verify a presented key (remembered for ``key_cache_seconds``)."""
    cache: dict[str, tuple[float, Principal]] = request.app.state.key_cache
    now = time.monotonic()
    hit = cache.get(token)
    if hit is not None and now - hit[0] < settings.key_cache_seconds:
        return hit[1]
    principal = verify_key(engine, token)
    if principal is None:
        raise _unauthorized("invalid or revoked API key")
    if settings.key_cache_seconds > 0:
        with _keys_lock:
            if len(cache) > 10_000:
                cache.clear()
            cache[token] = (now, principal)
    return principal


def get_principal(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller's key from ``Authorization: Bearer …``; 401 when absent or not valid."""
    if credentials is None or not credentials.credentials:
        raise _unauthorized("an API key is required: Authorization: Bearer <key>")
    return principal_for(request, engine, settings, credentials.credentials)


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
