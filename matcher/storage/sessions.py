"""Dashboard sessions: after a login with an API key, the browser holds only a random session
id; the database holds its SHA-256, the key it acts for and when it ends.

So the cookie is worth nothing once the session ends (logout, expiry, the key revoked or
expired), and it never carries the key, which also works against the API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Engine, delete, insert, select

from matcher.storage.keys import Principal, usable, utc_now
from matcher.storage.models import ApiKey, DashboardSession


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(engine: Engine, key_id: str, lifetime: dt.timedelta) -> str:
    """Start a session for ``key_id`` lasting ``lifetime``; return its id (256 random bits)."""
    token = secrets.token_urlsafe(32)
    now = utc_now()
    with engine.begin() as connection:
        # Ended sessions are dropped as new ones start, so the table stays small.
        connection.execute(delete(DashboardSession).where(DashboardSession.expires_at < now))
        connection.execute(
            insert(DashboardSession).values(
                digest=_digest(token), key_id=key_id, created_at=now, expires_at=now + lifetime
            )
        )
    return token


def session_principal(engine: Engine, token: str) -> Principal | None:
    """Who a session acts for, or ``None`` if it is unknown, ended, or its key no longer
    works."""
    with engine.connect() as connection:
        row = connection.execute(
            select(
                ApiKey.key_id, ApiKey.role, ApiKey.city, ApiKey.revoked, ApiKey.expires_at,
                DashboardSession.expires_at.label("session_ends"),
            )
            .join(ApiKey, ApiKey.key_id == DashboardSession.key_id)
            .where(DashboardSession.digest == _digest(token))
        ).first()  # fmt: skip
    if row is None or row.session_ends <= utc_now() or not usable(row.revoked, row.expires_at):
        return None
    return Principal(key_id=row.key_id, role=row.role, city=row.city)


def end_session(engine: Engine, token: str) -> None:
    """Log out: the session id stops working at once."""
    with engine.begin() as connection:
        connection.execute(
            delete(DashboardSession).where(DashboardSession.digest == _digest(token))
        )
