"""Recommendations: a seeker's congestion-aware list with reasons."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep, PrincipalDep, not_found, visible_or_404
from api.schemas import SeekerRecommendations
from matcher.runs import queries

router = APIRouter(tags=["recommendations"])


def _read(engine: Engine, seeker_id: str, run_id: int | None) -> queries.SeekerList | None:
    with engine.connect() as connection:
        return queries.seeker_list(connection, seeker_id, run_id)


@router.get(
    "/seekers/{seeker_id}/recommendations",
    response_model=SeekerRecommendations,
    summary="A seeker's recommended vacancies with reasons (latest run of their city, or run_id)",
)
async def seeker_recommendations(
    seeker_id: str,
    engine: EngineDep,
    principal: PrincipalDep,
    run_id: int | None = Query(default=None, ge=1, le=2**31 - 1),
) -> dict[str, Any]:
    # The service's most frequent read, kept to one trip to the thread pool (one statement on
    # one connection); async, so FastAPI also validates and serializes the body in the event
    # loop rather than in a second trip.
    found = await run_in_threadpool(_read, engine, seeker_id, run_id)
    if found is None:
        raise not_found("seeker", seeker_id)
    visible_or_404(principal, found.seeker_city, "seeker", seeker_id)
    if run_id is not None:
        if found.run_id is None or found.run_status != "succeeded":
            raise not_found("succeeded run", str(run_id))
        visible_or_404(principal, found.run_city, "succeeded run", run_id)
    return {
        "seeker_id": seeker_id,
        "run_id": found.run_id,
        "week": found.week,
        "items": found.items,
        "total": len(found.items),
    }
