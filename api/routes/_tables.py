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
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

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
from api.errors import FileRows, error_body, reject, validation_response
from api.schemas import Page, UpsertPublic
from matcher.errors import DataValidationError, Problem
from matcher.io.load import read_csv_text, read_workbook_raw
from matcher.io.sheets import HEADER_ROW, XLSX_CONTENT_TYPE, XLSX_MAGIC, decode_text
from matcher.runs import queries
from matcher.schemas.tables import TABLES
from matcher.storage.keys import Principal
from matcher.storage.upsert import (
    ForeignRowsError,
    json_cell_problems,
    raw_from_records,
    upsert_frame,
    validate_batch,
)

MAX_BODY_BYTES = 50 * 2**20
#: JSON nested deeper than this is refused before parsing: rows are flat objects, and Python's
#: parser would otherwise recurse until it fails (a 500).
MAX_JSON_DEPTH = 32


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | JSONResponse:
    """The request body, read chunk by chunk and refused (413) as soon as it passes ``limit``
    bytes: a larger body is never held in memory."""
    too_large = reject(f"body larger than {limit // 2**20} MiB; split the batch", 413)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return too_large
    return bytes(body)


def _json_depth_exceeded(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` (a linear scan)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _media_type(content_type: str) -> tuple[str, str | None]:
    """The media type of a Content-Type header, lower-cased, and its ``charset``, if any."""
    kind, *parameters = content_type.split(";")
    charset = None
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"') or None
    return kind.strip().lower(), charset


def parse_batch(body: bytes, content_type: str) -> tuple[pd.DataFrame, bool] | JSONResponse:
    """The uploaded rows as a frame of text cells, and whether they came as JSON.

    CSV is read in the ``charset`` of its Content-Type, else UTF-8, else GB18030 (GBK), as the
    CLI reads files; an ``.xlsx`` workbook (by its media type or its zip signature) is read
    like a workbook file: title rows, 序号 and numbers as :mod:`matcher.io.sheets` reads them.
    CPU-bound (parsing megabytes): called in the thread pool, never on the event loop.
    """
    kind, charset = _media_type(content_type)
    if kind == XLSX_CONTENT_TYPE or (kind in ("application/octet-stream", "") and
                                     body.startswith(XLSX_MAGIC)):  # fmt: skip
        try:
            frame = read_workbook_raw(io.BytesIO(body), "body")
        except DataValidationError as error:
            return reject(f"workbook: {error.problems[0].rule}")
        return frame, False
    if kind == "text/csv":
        try:
            hint = "name its charset: Content-Type: text/csv; charset=gbk"
            frame = read_csv_text(decode_text(body, "body", charset, hint=hint), "body")
        except DataValidationError as error:
            rule = error.problems[0].rule
            if rule == "file is empty":
                return reject("empty CSV body")
            return reject("CSV " + rule.replace("file", "body", 1).replace("encoding", "charset"))
        except (ValueError, pd.errors.ParserError) as error:
            return reject(f"CSV cannot be read: {str(error).splitlines()[0]}")
        return frame.astype("string"), False
    if kind not in ("application/json", ""):
        return reject(
            f"unsupported content type {kind!r}: send application/json, text/csv or "
            f"{XLSX_CONTENT_TYPE}"
        )
    if charset is not None and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        return reject(f"JSON must be UTF-8 text, not charset {charset!r}")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return reject("body is not UTF-8 text")
    if _json_depth_exceeded(text, MAX_JSON_DEPTH):
        return reject(f"JSON nested deeper than {MAX_JSON_DEPTH} levels: rows are flat objects")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        return reject(f"body is not valid JSON: {error}")
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        return reject("body must be a JSON list of objects, one per row")
    if not data:
        return reject("the batch has no rows")
    nested = json_cell_problems(data, "batch")
    if nested:
        return validation_response(DataValidationError(nested), json_rows=True)
    return raw_from_records(data), True


def upload(
    engine: Engine,
    principal: Principal,
    name: str,
    raw: pd.DataFrame,
    json_rows: bool,
    extra_check: Callable[[pd.DataFrame], list[Problem]] | None = None,
    noun: str | None = None,
) -> dict[str, Any] | JSONResponse:
    """Validate and upsert a batch in one transaction: all rows or none.

    A city key may only write rows of its city (403 naming the first other city: city codes
    are public) and may only overwrite stored rows of its city (404 naming the batch rows, as
    if the ids did not exist: they are checked in the same transaction as the write).
    Blocking (database and CPU): called in the thread pool.
    """
    label = f"{name} batch"
    file_rows = None
    if not json_rows and (HEADER_ROW in raw.attrs or not isinstance(raw.index, pd.RangeIndex)):
        # Read below a title row or past blank rows: answers name the rows the file has.
        file_rows = FileRows(int(raw.attrs.get(HEADER_ROW, 1)), (raw.index + 2).tolist())
        raw = raw.reset_index(drop=True)
    try:
        return _validate_and_write(
            engine, principal, name, raw, json_rows, extra_check, label, file_rows
        )
    except ForeignRowsError as error:  # raised inside the transaction: it rolled back
        key = TABLES[name].key
        items = [
            {"row": row - 2 if json_rows else (file_rows.row(row) if file_rows else row),
             "column": key, "value": None,
             "message": f"no {noun or name} with this id in city {principal.city}"}
            for row in error.rows
        ]  # fmt: skip
        return JSONResponse(error_body(items), status_code=404)


def _validate_and_write(
    engine: Engine,
    principal: Principal,
    name: str,
    raw: pd.DataFrame,
    json_rows: bool,
    extra_check: Callable[[pd.DataFrame], list[Problem]] | None,
    label: str,
    file_rows: FileRows | None = None,
) -> dict[str, Any] | JSONResponse:
    with engine.begin() as connection:
        try:
            frame = validate_batch(connection, name, raw, label=label)
            if extra_check is not None:
                problems = extra_check(frame)
                if problems:
                    raise DataValidationError(problems)
        except DataValidationError as error:
            return validation_response(error, json_rows=json_rows, file_rows=file_rows)
        cities = sorted(set(frame["city"].dropna().astype(str)))
        if principal.role != "province":
            for other in cities:
                if other != principal.city:
                    return JSONResponse(
                        {"detail": f"a key of city {principal.city} cannot write city {other}"},
                        status_code=403,
                    )
        own = None if principal.role == "province" else principal.city
        result = upsert_frame(connection, name, frame, city=own)
    return {"table": result.table, "inserted": result.inserted, "updated": result.updated}


async def upload_request(
    request: Request,
    engine: Engine,
    principal: Principal,
    name: str,
    extra_check: Callable[[pd.DataFrame], list[Problem]] | None = None,
    noun: str | None = None,
) -> Any:
    """An upload route's work: the body streamed in under the size limit on the event loop,
    parsing, validation and the write in the thread pool (the loop keeps serving meanwhile)."""
    body = await read_body(request)
    if isinstance(body, JSONResponse):
        return body
    content_type = request.headers.get("content-type", "application/json")
    batch = await run_in_threadpool(parse_batch, body, content_type)
    del body
    if isinstance(batch, JSONResponse):
        return batch
    return await run_in_threadpool(
        upload, engine, principal, name, *batch, extra_check=extra_check, noun=noun
    )


def upload_body(example: list[dict[str, Any]], csv_example: str) -> dict[str, Any]:
    """OpenAPI request body: a JSON list of rows, or the same as CSV or an Excel workbook."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "items": {"type": "object"}, "minItems": 1},
                    "example": example,
                },
                "text/csv": {"schema": {"type": "string"}, "example": csv_example},
                XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }


UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "The batch was rejected: bad rows listed (the first 100 and a count "
        "of the rest), nothing stored"
    },
    403: {"description": "A row names a city this key cannot change"},
    404: {"description": "A row's id is stored under a city this key cannot change"},
    413: {"description": "The body is larger than 50 MiB"},
    503: {
        "description": "The database is busy (another write holds it): retry after the "
        "seconds in Retry-After"
    },
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
        return await upload_request(
            request, engine, principal, table, extra_check=batch_check, noun=noun
        )

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
        summary=f"Upload {plural} (JSON list, CSV or .xlsx); all rows or none",
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
    """One row of a resource: 404 if absent, of another kind of post or of a city the key
    may not see."""
    row = queries.get_row(connection, table, item_id)
    if row is None or not _in_scope(row, program, exclude_program):
        raise not_found(noun, item_id)
    visible_or_404(principal, row["city"], noun, item_id)
    return row


def _in_scope(row: dict[str, Any], program: str | None, exclude_program: str | None) -> bool:
    if program is not None and row.get("program") != program:
        return False
    return exclude_program is None or row.get("program") != exclude_program
