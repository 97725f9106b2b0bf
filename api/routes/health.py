"""``GET /health``: liveness, without a key."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import EngineDep
from api.schemas import Health
from matcher import __version__

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, summary="Service and database are up")
def health(engine: EngineDep) -> Health:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return Health(version=__version__, database=engine.dialect.name)
