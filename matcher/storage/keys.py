"""API keys: created once (the secret is shown to the user then and never again), stored as a
SHA-256 digest of the secret, looked up by their public id.

A key reads ``mk_<key id>_<secret>``. The secret has 256 bits of randomness, so a plain SHA-256
is enough (no password-stretching is needed for random secrets) and lets every request verify a
key in microseconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, delete, insert, select, update

from matcher.errors import MatcherError
from matcher.storage.models import ApiKey

Role = Literal["province", "city"]
ROLES: tuple[str, ...] = ("province", "city")
_PREFIX = "mk"


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: a province-wide key, or a city's key."""

    key_id: str
    role: str
    city: str | None

    def can_see(self, city: str | None) -> bool:
        """Province keys see every city; a city key only its own."""
        return self.role == "province" or (city is not None and city == self.city)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    engine: Engine,
    role: str,
    city: str | None = None,
    label: str = "",
    *,
    expires_at: dt.datetime | None = None,
) -> str:
    """Create a key and return its full text (the only time it exists in clear).

    ``expires_at`` (naive UTC): the key stops working then; ``None``: it works until revoked.

    Raises
    ------
    MatcherError
        Unknown role, a city key without a valid city, or a province key with one.
    """
    from matcher.reference import city_codes

    if role not in ROLES:
        raise MatcherError(f"role must be one of {', '.join(ROLES)}. Got {role!r}.")
    if role == "city" and city not in set(city_codes()):
        raise MatcherError(f"a city key needs --city with a city code 2101-2114. Got {city!r}.")
    if role == "province" and city is not None:
        raise MatcherError("a province key sees every city: do not give --city")
    key_id = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with engine.begin() as connection:
        connection.execute(
            insert(ApiKey).values(
                key_id=key_id,
                digest=_digest(secret),
                role=role,
                city=city,
                label=label,
                created_at=utc_now(),
                revoked=False,
                expires_at=expires_at,
            )
        )
    return f"{_PREFIX}_{key_id}_{secret}"


def verify_key(engine: Engine, text: str) -> Principal | None:
    """The principal of a presented key, or ``None`` if it is malformed, unknown or revoked."""
    prefix, _, rest = text.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != _PREFIX or not key_id or not secret:
        return None
    with engine.connect() as connection:
        row = connection.execute(
            select(
                ApiKey.digest, ApiKey.role, ApiKey.city, ApiKey.revoked, ApiKey.expires_at
            ).where(ApiKey.key_id == key_id)
        ).first()
    if row is None or not usable(row.revoked, row.expires_at):
        return None
    if not hmac.compare_digest(row.digest, _digest(secret)):
        return None
    return Principal(key_id=key_id, role=row.role, city=row.city)


def utc_now() -> dt.datetime:
    """Now in UTC, naive (as the database stores it)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def usable(revoked: bool, expires_at: dt.datetime | None) -> bool:
    """Whether a key in this state still works."""
    return not revoked and (expires_at is None or utc_now() < expires_at)


def revoke_key(engine: Engine, key_id: str) -> bool:
    """Revoke a key by id, ending its dashboard sessions; ``False`` if there is no such key."""
    from matcher.storage.models import DashboardSession

    with engine.begin() as connection:
        result = connection.execute(
            update(ApiKey).where(ApiKey.key_id == key_id).values(revoked=True)
        )
        connection.execute(delete(DashboardSession).where(DashboardSession.key_id == key_id))
        return bool(result.rowcount)


@dataclass(frozen=True)
class KeyInfo:
    """What ``matcher apikey list`` shows of a key (never its secret or digest)."""

    key_id: str
    role: str
    city: str | None
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked: bool

    @property
    def state(self) -> str:
        if self.revoked:
            return "revoked"
        return "active" if usable(False, self.expires_at) else "expired"


def list_keys(engine: Engine) -> list[KeyInfo]:
    """Every key, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                ApiKey.key_id, ApiKey.role, ApiKey.city, ApiKey.label, ApiKey.created_at,
                ApiKey.expires_at, ApiKey.revoked,
            ).order_by(ApiKey.created_at, ApiKey.key_id)
        ).all()  # fmt: skip
    return [KeyInfo(*row) for row in rows]
