"""Seekers: list, read one, upload (JSON or CSV)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.deps import (
    CityQuery,
    ConnectionDep,
    EngineDep,
    PagingDep,
    PrincipalDep,
    not_found,
    scoped_city,
    visible_or_404,
)
from api.routes._tables import UPLOAD_RESPONSES, upload_body, upload_request
from api.schemas import Page, SeekerPublic, UpsertPublic
from matcher.runs import queries

router = APIRouter(prefix="/seekers", tags=["seekers"])

_EXAMPLE = [
    {
        "seeker_id": "S9000001",
        "id_number": "<18-digit GB 11643 number>",
        "name": "王伟",
        "sex": "M",
        "birth_date": "1962-05-01",
        "city": "2101",
        "district": "210102",
        "hukou": "urban",
        "education": "senior_secondary",
        "graduation_year": 1980,
        "skills": "电工",
        "desired_titles": "保安员|仓库管理员",
        "reservation_wage": 1200,
        "registered_unemployed": True,
        "unemployed_since": "2008-11-01",
        "registered_date": "2009-03-02",
        "household_id": "H0000001",
        "disabled": False,
        "returning_migrant": False,
        "demobilised_soldier": False,
        "model_worker": False,
        "military_spouse": False,
        "martyr_family": False,
        "single_parent": False,
    }
]
_CSV = "seeker_id,id_number,name,sex,birth_date,city,district,...\n"


@router.get("", response_model=Page[SeekerPublic], summary="Seekers (a city key: its own)")
def list_seekers(
    connection: ConnectionDep, principal: PrincipalDep, paging: PagingDep, city: CityQuery = None
) -> dict[str, Any]:
    items, total = queries.list_table(
        connection,
        "seekers",
        city=scoped_city(principal, city),
        offset=paging.offset,
        limit=paging.limit,
    )
    return {"items": items, "total": total}


@router.get("/{seeker_id}", response_model=SeekerPublic, summary="One seeker")
def get_seeker(seeker_id: str, connection: ConnectionDep, principal: PrincipalDep) -> Any:
    row = queries.get_row(connection, "seekers", seeker_id)
    if row is None:
        raise not_found("seeker", seeker_id)
    visible_or_404(principal, row["city"], "seeker", seeker_id)
    return row


@router.post(
    "",
    response_model=UpsertPublic,
    summary="Upload seekers (JSON list or CSV); all rows or none",
    openapi_extra=upload_body(_EXAMPLE, _CSV),
    responses=UPLOAD_RESPONSES,
)
async def upload_seekers(request: Request, engine: EngineDep, principal: PrincipalDep) -> Any:
    return await upload_request(request, engine, principal, "seekers", noun="seeker")
