"""Error bodies the API answers with, shared by the app's handlers and the upload routes.

Kept apart from :mod:`api.main` (the app factory) so routes can use them without importing the
factory, which imports every route module (an import cycle before).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse

from matcher.errors import DataValidationError
from matcher.storage.upsert import printable

#: At most this many error items in one response; the rest are counted in ``errors_omitted``.
#: A batch of a million bad rows would otherwise answer with tens of millions of items.
MAX_ERRORS = 100


def error_body(
    items: list[dict[str, Any]], omitted: int = 0, unchecked_rows: int = 0
) -> dict[str, Any]:
    """``{"errors": [...]}`` with the first :data:`MAX_ERRORS` items, how many were left out
    (``errors_omitted``) when there were more, and how many rows were not checked
    (``rows_not_checked``) when validation stopped early."""
    extra = max(0, len(items) - MAX_ERRORS) + omitted
    safe = [{k: safe_text(v) for k, v in item.items()} for item in items[:MAX_ERRORS]]
    body: dict[str, Any] = {"errors": safe}
    if extra:
        body["errors_omitted"] = extra
    if unchecked_rows:
        body["rows_not_checked"] = unchecked_rows
    return body


def safe_text(value: Any) -> Any:
    """Text a JSON response can carry: lone surrogates (which a client can send as ``\\ud800``
    escapes) written as escapes, as UTF-8 cannot encode them; other values unchanged."""
    return printable(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class FileRows:
    """Where a batch's rows stand in the file it was read from, when a title row or blank rows
    put them elsewhere than header = 1, first row = 2: ``header`` is the header's row and
    ``rows[i]`` the row of the batch's ``i``-th row, both as a spreadsheet numbers them."""

    header: int
    rows: Sequence[int]

    def row(self, batch_row: int) -> int:
        """The file's row for a row numbered in the batch (header = 1, first row = 2)."""
        position = batch_row - 2
        if position < 0:
            return self.header
        return self.rows[position] if position < len(self.rows) else batch_row


def problems_to_errors(
    error: DataValidationError, *, json_rows: bool, file_rows: FileRows | None = None
) -> list[dict[str, object]]:
    """Row-level problems as API error items (the first :data:`MAX_ERRORS`); JSON rows are
    0-based list positions, file rows those of ``file_rows`` if given."""
    items: list[dict[str, object]] = []
    for problem in error.problems[:MAX_ERRORS]:
        row = problem.row
        if json_rows and row is not None:
            # A JSON list has no header row: header-level problems have no row at all.
            row = row - 2 if row >= 2 else None
        elif file_rows is not None and row is not None:
            row = file_rows.row(row)
        items.append(
            {"row": row, "column": problem.column, "value": problem.value, "message": problem.rule}
        )
    return items


def validation_response(
    error: DataValidationError, *, json_rows: bool, file_rows: FileRows | None = None
) -> JSONResponse:
    """422 listing a rejected batch's problems (capped, with the count of the rest)."""
    # A batch validated in chunks may stop keeping problems early and only count the rest.
    omitted = max(0, len(error.problems) - MAX_ERRORS) + int(getattr(error, "omitted", 0))
    items = problems_to_errors(error, json_rows=json_rows, file_rows=file_rows)
    unchecked = int(getattr(error, "unchecked_rows", 0))
    return JSONResponse(error_body(items, omitted, unchecked), status_code=422)


def reject(message: str, status_code: int = 422, column: str | None = None) -> JSONResponse:
    """One error item with no row (a problem of the whole body)."""
    item = {"row": None, "column": column, "value": None, "message": message}
    return JSONResponse(error_body([item]), status_code=status_code)
