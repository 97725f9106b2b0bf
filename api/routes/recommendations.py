"""Recommendations: a seeker's congestion-aware list with reasons."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from api.deps import ConnectionDep, PrincipalDep, forbid_unless
from api.routes._tables import not_found
from api.schemas import SeekerRecommendations
from matcher.runs import queries

router = APIRouter(tags=["recommendations"])


@router.get(
    "/seekers/{seeker_id}/recommendations",
    response_model=SeekerRecommendations,
    summary="A seeker's recommended vacancies with reasons (latest run of their city, or run_id)",
)
def seeker_recommendations(
    seeker_id: str,
    connection: ConnectionDep,
    principal: PrincipalDep,
    run_id: int | None = Query(default=None, ge=1, le=2**31 - 1),
) -> dict[str, Any]:
    seeker = queries.get_row(connection, "seekers", seeker_id)
    if seeker is None:
        raise not_found("seeker", seeker_id)
    forbid_unless(principal, seeker["city"])
    week = None
    if run_id is None:
        latest = queries.latest_succeeded(connection, seeker["city"])
        if latest is None:
            return {"seeker_id": seeker_id, "run_id": None, "week": None, "items": [], "total": 0}
        run_id, week = latest
    else:
        run = queries.get_run(connection, run_id)
        if run is None or run["status"] != "succeeded":
            raise not_found("succeeded run", str(run_id))
        forbid_unless(principal, run["city"])
        week = run["week"]
    items = queries.seeker_recommendations(connection, seeker_id, run_id)
    return {
        "seeker_id": seeker_id,
        "run_id": run_id,
        "week": week,
        "items": items,
        "total": len(items),
    }
