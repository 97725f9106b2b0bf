"""What the domain-table routers share: reading an uploaded batch (JSON list or CSV) and
upserting it under the caller's key, a page of rows, and :func:`table_router`, which builds the
list / read-one / upload routes of a table once for every resource."""

from __future__ import annotations

import inspect
import io
import json
from collections.abc import Callable
from typing import Any

import pandas as pd
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from api.deps import (
    CityQuery,
    ConnectionDep,
    EngineDep,
    PagingDep,
    PrincipalDep,
    forbid_unless,
    scoped_city,
)
from api.main import problems_to_errors
from api.schemas import Page, UpsertPublic
from matcher.errors import DataValidationError, Problem
from matcher.runs import queries
from matcher.storage.keys import Principal
from matcher.storage.upsert import raw_from_records, upsert_frame, validate_batch

MAX_BODY_BYTES = 50 * 2**20


def _reject(message: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"row": None, "column": None, "value": None, "message": message}]},
        status_code=422,
    )


async def read_batch(request: Request) -> tuple[pd.DataFrame, bool] | JSONResponse:
    """The uploaded rows as a frame of text cells, and whether they came as JSON."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _reject(f"body larger than {MAX_BODY_BYTES // 2**20} MiB; split the batch")
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _reject("body is not UTF-8 text")
    if kind == "text/csv":
        if not text.strip():
            return _reject("empty CSV body")
        try:
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True
            )
        except (ValueError, pd.errors.ParserError) as error:
            return _reject(f"CSV cannot be read: {str(error).splitlines()[0]}")
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame.astype("string"), False
    if kind not in ("application/json", ""):
        return _reject(f"unsupported content type {kind!r}: send application/json or text/csv")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return _reject(f"body is not valid JSON: {error}")
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        return _reject("body must be a JSON list of objects, one per row")
    if not data:
        return _reject("the batch has no rows")
    return raw_from_records(data), True


def upload(
    engine: Engine,
    principal: Principal,
    name: str,
    raw: pd.DataFrame,
    json_rows: bool,
    extra_check: Callable[[pd.DataFrame], list[Problem]] | None = None,
) -> dict[str, Any] | JSONResponse:
    """Validate and upsert a batch in one transaction: all rows or none.

    A city key may only write rows of its city (403 naming the first other city).
    """
    label = f"{name} batch"
    with engine.begin() as connection:
        try:
            frame = validate_batch(connection, name, raw, label=label)
            if extra_check is not None:
                problems = extra_check(frame)
                if problems:
                    raise DataValidationError(problems)
        except DataValidationError as error:
            return JSONResponse(
                {"errors": problems_to_errors(error, json_rows=json_rows)}, status_code=422
            )
        cities = sorted(set(frame["city"].dropna().astype(str)))
        for city in cities:
            forbid_unless(principal, city)
        result = upsert_frame(connection, name, frame)
    return {"table": result.table, "inserted": result.inserted, "updated": result.updated}


def not_found(what: str, key: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no {what} {key!r}")


def upload_body(example: list[dict[str, Any]], csv_example: str) -> dict[str, Any]:
    """OpenAPI request body: a JSON list of rows, or the same as CSV."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "items": {"type": "object"}, "minItems": 1},
                    "example": example,
                },
                "text/csv": {"schema": {"type": "string"}, "example": csv_example},
            },
        }
    }


UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"description": "The batch was rejected: every bad row listed, nothing stored"},
    403: {"description": "A row belongs to a city this key cannot change"},
    401: {"description": "No valid API key"},
}


def table_router(
    *,
    table: str,
    key: str,
    noun: str,
    plural: str,
    public: type[Any],
    prefix: str | None = None,
    program: str | None = None,
    exclude_program: str | None = None,
    batch_check: Callable[[pd.DataFrame], list[Problem]] | None = None,
    csv_example: str | None = None,
) -> APIRouter:
    """The router of one domain table: list (a page, a city key sees its city), read one (404,
    403 for another city), upload (JSON or CSV, all rows or none).

    ``program``/``exclude_program`` narrow the ``posts`` table to one kind of post, so program
    posts and job-fair vacancies are two resources over one table.
    """
    path = prefix or f"/{plural}"
    router = APIRouter(prefix=path, tags=[plural])

    def list_rows(
        connection: ConnectionDep,
        principal: PrincipalDep,
        paging: PagingDep,
        city: CityQuery = None,
    ) -> dict[str, Any]:
        items, total = queries.list_table(
            connection,
            table,
            city=scoped_city(principal, city),
            offset=paging.offset,
            limit=paging.limit,
            program=program,
            exclude_program=exclude_program,
        )
        return {"items": items, "total": total}

    def get_row(**values: Any) -> Any:
        return read_row(
            values["connection"],
            values["principal"],
            table=table,
            item_id=values[key],
            noun=noun,
            program=program,
            exclude_program=exclude_program,
        )

    # The path parameter keeps the resource's own name ({employer_id}, {post_id} …) in the
    # OpenAPI schema; annotations of a closure cannot name its locals, so say it explicitly.
    get_row.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, annotation=str),
            inspect.Parameter(
                "connection", inspect.Parameter.KEYWORD_ONLY, annotation=ConnectionDep
            ),
            inspect.Parameter("principal", inspect.Parameter.KEYWORD_ONLY, annotation=PrincipalDep),
        ]
    )

    async def upload_rows(request: Request, engine: EngineDep, principal: PrincipalDep) -> Any:
        batch = await read_batch(request)
        if isinstance(batch, JSONResponse):
            return batch
        return upload(engine, principal, table, *batch, extra_check=batch_check)

    router.add_api_route(
        "",
        list_rows,
        methods=["GET"],
        response_model=Page[public],  # type: ignore[valid-type]
        name=f"list_{plural}",
        summary=f"{plural.capitalize()} (a city key: its own)",
    )
    router.add_api_route(
        f"/{{{key}}}",
        get_row,
        methods=["GET"],
        response_model=public,
        name=f"get_{noun}",
        summary=f"One {noun}",
    )
    router.add_api_route(
        "",
        upload_rows,
        methods=["POST"],
        response_model=UpsertPublic,
        name=f"upload_{plural}",
        summary=f"Upload {plural} (JSON list or CSV); all rows or none",
        openapi_extra=upload_body([{key: "..."}], csv_example or f"{key},...\n"),
        responses=UPLOAD_RESPONSES,
    )
    return router


def read_row(
    connection: Any,
    principal: Principal,
    *,
    table: str,
    item_id: str,
    noun: str,
    program: str | None = None,
    exclude_program: str | None = None,
) -> dict[str, Any]:
    """One row of a resource: 404 if absent (or of another kind of post), 403 for another city."""
    row = queries.get_row(connection, table, item_id)
    if row is None or not _in_scope(row, program, exclude_program):
        raise not_found(noun, item_id)
    forbid_unless(principal, row["city"])
    return row


def _in_scope(row: dict[str, Any], program: str | None, exclude_program: str | None) -> bool:
    if program is not None and row.get("program") != program:
        return False
    return exclude_program is None or row.get("program") != exclude_program
