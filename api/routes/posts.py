"""Program posts (welfare, grassroots, internship, public service): list, read one, upload."""

from __future__ import annotations

from typing import Any

import pandas as pd
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
from api.schemas import Page, PostPublic, UpsertPublic
from matcher.errors import Problem
from matcher.runs import queries

router = APIRouter(prefix="/posts", tags=["posts"])
_VACANCY = False


def _programs_ok(frame: pd.DataFrame) -> list[Problem]:
    # Vacancies are posts of program 'vacancy'; program posts are every other program.
    wrong = (frame["program"] != "vacancy") if _VACANCY else (frame["program"] == "vacancy")
    rule = (
        "a vacancy's program must be 'vacancy' (upload program posts to /api/v1/posts)"
        if _VACANCY
        else "program posts cannot be 'vacancy' (upload vacancies to /api/v1/vacancies)"
    )
    return [
        Problem("posts batch", int(i) + 2, "program", str(frame["program"][i]), rule)
        for i in wrong[wrong.fillna(False).astype(bool)].index
    ]


@router.get("", response_model=Page[PostPublic], summary="Posts (a city key: its own)")
def list_posts(
    connection: ConnectionDep, principal: PrincipalDep, paging: PagingDep, city: CityQuery = None
) -> dict[str, Any]:
    items, total = queries.list_table(
        connection,
        "posts",
        city=scoped_city(principal, city),
        offset=paging.offset,
        limit=paging.limit,
        exclude_program="vacancy",
    )
    return {"items": items, "total": total}


def _get(post_id: str, connection: Any, principal: Any) -> dict[str, Any]:
    row = queries.get_row(connection, "posts", post_id)
    if row is None or (row["program"] == "vacancy") != _VACANCY:
        raise not_found("post" if not _VACANCY else "vacancy", post_id)
    forbid_unless(principal, row["city"])
    return row


@router.get("/{post_id}", response_model=PostPublic, summary="One of the posts")
def get_post(post_id: str, connection: ConnectionDep, principal: PrincipalDep) -> Any:
    return _get(post_id, connection, principal)


@router.post(
    "",
    response_model=UpsertPublic,
    summary="Upload posts (JSON list or CSV); all rows or none",
    openapi_extra=upload_body([{"post_id": "..."}], "post_id,program,...\n"),
    responses=UPLOAD_RESPONSES,
)
async def upload_posts(request: Request, engine: EngineDep, principal: PrincipalDep) -> Any:
    batch = await read_batch(request)
    if isinstance(batch, JSONResponse):
        return batch
    return upload(engine, principal, "posts", *batch, extra_check=_programs_ok)
