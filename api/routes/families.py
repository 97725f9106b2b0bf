"""The 20-day list of (三十九): zero-employment families without a suitable offer yet, and
those whose first covering offer came after the 20 days (covered late: a breach)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from api.deps import ConnectionDep, PagingDep, PrincipalDep, forbid_unless
from api.schemas import FamilyPublic, Page
from matcher.runs import queries
from matcher.runs.guarantee import WAITING_OR_BREACHED

router = APIRouter(prefix="/families", tags=["families"])


@router.get(
    "",
    response_model=Page[FamilyPublic],
    summary="A city's 20-day list from its latest run (overdue first, then near, open and "
    "covered late; covered in time with include_covered)",
)
def list_families(
    connection: ConnectionDep,
    principal: PrincipalDep,
    paging: PagingDep,
    city: str = Query(pattern=r"^21(0[1-9]|1[0-4])$", description="City code"),
    include_covered: bool = False,
) -> dict[str, Any]:
    forbid_unless(principal, city)
    latest = queries.latest_succeeded(connection, city)
    if latest is None:
        return {"items": [], "total": 0}
    statuses = None if include_covered else WAITING_OR_BREACHED
    items, total = queries.run_families(
        connection, latest[0], statuses=statuses, offset=paging.offset, limit=paging.limit
    )
    return {"items": items, "total": total}
