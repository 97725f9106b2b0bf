"""What the domain-table routers share: reading an uploaded batch (JSON list or CSV) and
upserting it under the caller's key, and a page of rows."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pandas as pd
from fastapi import HTTPException, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from api.deps import forbid_unless
from api.main import problems_to_errors
from matcher.errors import DataValidationError, Problem
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
