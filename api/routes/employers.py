"""Employers and post-holding units: list, read one, upload."""

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
from api.schemas import EmployerPublic, Page, UpsertPublic
from matcher.runs import queries

router = APIRouter(prefix="/employers", tags=["employers"])


@router.get("", response_model=Page[EmployerPublic], summary="Employers (a city key: its own)")
def list_employers(
    connection: ConnectionDep, principal: PrincipalDep, paging: PagingDep, city: CityQuery = None
) -> dict[str, Any]:
    items, total = queries.list_table(
        connection,
        "employers",
        city=scoped_city(principal, city),
        offset=paging.offset,
        limit=paging.limit,
    )
    return {"items": items, "total": total}


@router.get("/{employer_id}", response_model=EmployerPublic, summary="One employer")
def get_employer(employer_id: str, connection: ConnectionDep, principal: PrincipalDep) -> Any:
    row = queries.get_row(connection, "employers", employer_id)
    if row is None:
        raise not_found("employer", employer_id)
    forbid_unless(principal, row["city"])
    return row


@router.post(
    "",
    response_model=UpsertPublic,
    summary="Upload employers (JSON list or CSV); all rows or none",
    openapi_extra=upload_body([{"employer_id": "..."}], "employer_id,...\n"),
    responses=UPLOAD_RESPONSES,
)
async def upload_employers(request: Request, engine: EngineDep, principal: PrincipalDep) -> Any:
    batch = await read_batch(request)
    if isinstance(batch, JSONResponse):
        return batch
    return upload(engine, principal, "employers", *batch)
