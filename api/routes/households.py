"""Households (家庭): the flags that define priority groups; list, read one, upload."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import (
    CityQuery,
    ConnectionDep,
    EngineDep,
    PagingDep,
    PrincipalDep,
    forbid_unless,
    scoped_city,
)
from api.routes._tables import UPLOAD_RESPONSES, not_found, read_batch, upload, upload_body
from api.schemas import HouseholdPublic, Page, UpsertPublic
from matcher.runs import queries

router = APIRouter(prefix="/households", tags=["households"])


@router.get("", response_model=Page[HouseholdPublic], summary="Households (a city key: its own)")
def list_households(
    connection: ConnectionDep, principal: PrincipalDep, paging: PagingDep, city: CityQuery = None
) -> dict[str, Any]:
    items, total = queries.list_table(
        connection,
        "households",
        city=scoped_city(principal, city),
        offset=paging.offset,
        limit=paging.limit,
    )
    return {"items": items, "total": total}


@router.get("/{household_id}", response_model=HouseholdPublic, summary="One employer")
def get_household(household_id: str, connection: ConnectionDep, principal: PrincipalDep) -> Any:
    row = queries.get_row(connection, "households", household_id)
    if row is None:
        raise not_found("household", household_id)
    forbid_unless(principal, row["city"])
    return row


@router.post(
    "",
    response_model=UpsertPublic,
    summary="Upload households (JSON list or CSV); all rows or none",
    openapi_extra=upload_body([{"household_id": "..."}], "household_id,...\n"),
    responses=UPLOAD_RESPONSES,
)
async def upload_households(request: Request, engine: EngineDep, principal: PrincipalDep) -> Any:
    batch = await read_batch(request)
    if isinstance(batch, JSONResponse):
        return batch
    return upload(engine, principal, "households", *batch)
