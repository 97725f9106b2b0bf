"""Fairness summary of a run: placement rates by tier, sex and hukou per program."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, status

from api.deps import ConnectionDep, PrincipalDep, forbid_unless, not_found, visible_or_404
from api.schemas import FairnessPublic
from matcher.runs import queries

router = APIRouter(prefix="/fairness", tags=["fairness"])


@router.get(
    "",
    response_model=FairnessPublic,
    summary="A run's fairness summary (a city's latest run, or run_id)",
)
def get_fairness(
    connection: ConnectionDep,
    principal: PrincipalDep,
    run_id: int | None = Query(default=None, ge=1, le=2**31 - 1),
    city: str | None = Query(default=None, pattern=r"^21(0[1-9]|1[0-4])$"),
) -> dict[str, Any]:
    if run_id is None:
        if city is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "give run_id or city")
        forbid_unless(principal, city)
        latest = queries.latest_succeeded(connection, city)
        if latest is None:
            raise not_found("succeeded run of city", city)
        run_id = latest[0]
    run = queries.get_run(connection, run_id)
    if run is None or run["status"] != "succeeded":
        raise not_found("succeeded run", str(run_id))
    visible_or_404(principal, run["city"], "succeeded run", run_id)
    return {
        "run_id": run_id,
        "city": run["city"],
        "week": run["week"],
        "programs": run["summary"].get("fairness", {}),
    }
