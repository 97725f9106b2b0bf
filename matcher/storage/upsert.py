"""Validated upserts of domain rows, and typed reads back into frames.

A batch (rows as read from a CSV or a JSON list) is checked with the same
:mod:`matcher.schemas` rules the file loader applies (types, allowed values, ranges, identity
numbers), plus references into what the database already holds. Any problem rejects the whole
batch: nothing of it is written, and every problem is reported at once with its row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from matcher.errors import DataValidationError, Problem
from matcher.frames import isin
from matcher.io.load import check_identity_numbers, check_references, parse_table
from matcher.schemas.tables import TABLES, TableSpec
from matcher.storage.models import DOMAIN_TABLES, STORED_TABLES

_FIRST_DATA_ROW = 2  # problems count rows as a spreadsheet does: header is row 1
_CHUNK = 1000
# References checked against the database (or the same batch): table.column → target table.
_DB_REFERENCES: dict[tuple[str, str], str] = {
    ("seekers", "household_id"): "households",
    ("posts", "employer_id"): "employers",
}


@dataclass(frozen=True)
class UpsertResult:
    """What an upsert did."""

    table: str
    inserted: int
    updated: int

    @property
    def rows(self) -> int:
        return self.inserted + self.updated


def raw_from_records(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows of a JSON batch as a frame of strings, as a CSV would be read.

    ``None`` becomes an empty cell, booleans ``true``/``false``, everything else its text.
    """

    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list | tuple):
            return "|".join(str(item) for item in value)
        return str(value)

    columns: list[str] = []
    for record in records:
        for key in record:
            if key not in columns:
                columns.append(str(key))
    data = {c: [text(r.get(c)) for r in records] for c in columns}
    return pd.DataFrame(data, columns=columns, dtype="string")


def _existing_ids(connection: Connection, table: str, ids: Iterable[str]) -> set[str]:
    key = TABLES[table].key
    column = DOMAIN_TABLES[table].c[key]
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(connection.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def _database_problems(
    connection: Connection, name: str, frame: pd.DataFrame, label: str
) -> list[Problem]:
    problems: list[Problem] = []
    for (table, column), target in _DB_REFERENCES.items():
        if table != name:
            continue
        values = frame[column].astype("string")
        present = values.dropna()
        known = _existing_ids(connection, target, present.tolist())
        unknown = values.notna() & ~isin(values, known)
        for index in unknown[unknown].index:
            problems.append(
                Problem(label, int(index) + _FIRST_DATA_ROW, column, str(values[index]),
                        f"unknown id: not found in {target}.{TABLES[target].key}")
            )  # fmt: skip
    if name == "seekers":
        # An identity number belongs to one person: another seeker id may not reuse it.
        seekers = DOMAIN_TABLES["seekers"]
        numbers = frame["id_number"].astype("string").dropna().tolist()
        owners: dict[str, str] = {}
        for start in range(0, len(numbers), _CHUNK):
            chunk = numbers[start : start + _CHUNK]
            rows = connection.execute(
                select(seekers.c.id_number, seekers.c.seeker_id).where(
                    seekers.c.id_number.in_(chunk)
                )
            )
            owners.update({str(number): str(owner) for number, owner in rows})
        from matcher.idnumber import mask

        for index, (number, seeker_id) in enumerate(
            zip(frame["id_number"].tolist(), frame["seeker_id"].tolist(), strict=True)
        ):
            owner = owners.get(str(number))
            if owner is not None and owner != str(seeker_id):
                problems.append(
                    Problem(label, index + _FIRST_DATA_ROW, "id_number", mask(number),
                            f"identity number already registered to seeker {owner}")
                )  # fmt: skip
    return problems


def validate_batch(
    connection: Connection,
    name: str,
    raw: pd.DataFrame,
    *,
    label: str | None = None,
    reference_date: dt.date | None = None,
) -> pd.DataFrame:
    """Parse and check a batch of ``name`` rows; return the typed frame.

    Parameters
    ----------
    connection : Connection
        Used to check references (households, employers) and identity-number ownership.
    name : {"seekers", "households", "employers", "posts"}
    raw : DataFrame
        Cells as text, headers in English or Chinese (see ``docs/data-format.md``).
    label : str, optional
        Names the batch in problems (default ``<name> batch``).
    reference_date : date, optional
        "Today" for the not-in-the-future rules (default: today).

    Raises
    ------
    DataValidationError
        Every problem of the batch at once.
    """
    if name not in STORED_TABLES:
        raise ValueError(f"The 'name' parameter must be one of {STORED_TABLES}. Got {name!r}.")
    spec = TABLES[name]
    label = label or f"{name} batch"
    when = reference_date or dt.date.today()
    frame, problems = parse_table(raw.reset_index(drop=True), spec, label, when)
    if problems:
        raise DataValidationError(problems)
    if name == "seekers":
        problems.extend(check_identity_numbers(frame, label, when))
    problems.extend(check_references({name: frame}, {name: label}))
    problems.extend(_database_problems(connection, name, frame, label))
    if problems:
        raise DataValidationError(problems)
    return frame


def python_column(values: pd.Series) -> list[Any]:
    """A column as values a database driver binds: ``None`` where missing, dates for
    timestamps, Python scalars for NumPy ones. Column by column: a Python call per cell cost
    more than the database for a weekly run's 300k output rows."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return [None if pd.isna(v) else v.date() for v in values]
    out: list[Any] = values.astype(object).tolist()
    if values.dtype == object:  # may hold NumPy scalars or timestamps as they were given
        out = [
            v.item()
            if isinstance(v, np.generic)
            else (v.date() if isinstance(v, pd.Timestamp) else v)
            for v in out
        ]
    for row in np.flatnonzero(values.isna().to_numpy()):
        out[row] = None
    return out


def frame_records(frame: pd.DataFrame, spec: TableSpec) -> list[dict[str, Any]]:
    """Rows of a typed frame as database values (NA → NULL, timestamps → dates)."""
    names = [c.name for c in spec.columns if c.name in frame.columns]
    columns = [python_column(frame[name]) for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _insert(connection: Connection, table: Table) -> Any:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def upsert_frame(connection: Connection, name: str, frame: pd.DataFrame) -> UpsertResult:
    """Insert or update validated rows of ``name`` (by key). Service state (a seeker's
    ``placed_week``, a post's ``filled``) is kept on update."""
    spec = TABLES[name]
    table = DOMAIN_TABLES[name]
    records = frame_records(frame, spec)
    keys = [str(r[spec.key]) for r in records]
    existing = _existing_ids(connection, name, keys)
    data_columns = [c.name for c in spec.columns if c.name != spec.key and c.name in frame.columns]
    for start in range(0, len(records), _CHUNK):
        chunk = records[start : start + _CHUNK]
        statement = _insert(connection, table)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c[spec.key]],
            set_={column: statement.excluded[column] for column in data_columns},
        )
        connection.execute(statement, chunk)
    updated = len(set(keys) & existing)
    return UpsertResult(name, len(set(keys)) - updated, updated)


def upsert_batch(
    connection: Connection,
    name: str,
    raw: pd.DataFrame,
    *,
    label: str | None = None,
    reference_date: dt.date | None = None,
) -> tuple[pd.DataFrame, UpsertResult]:
    """Validate a raw batch (:func:`validate_batch`) and upsert it on ``connection``.

    The caller owns the transaction: on :class:`DataValidationError` nothing was written.
    """
    frame = validate_batch(connection, name, raw, label=label, reference_date=reference_date)
    return frame, upsert_frame(connection, name, frame)


def upsert_tables(connection: Connection, tables: Mapping[str, pd.DataFrame]) -> list[UpsertResult]:
    """Upsert validated frames of several tables, referenced tables first."""
    return [
        upsert_frame(connection, name, tables[name]) for name in STORED_TABLES if name in tables
    ]


_DTYPES: dict[str, Any] = {
    "int": "Int64",
    "float": "Float64",
    "bool": "boolean",
    "str": "string",
    "list": "string",
}


def typed_frame(rows: Sequence[Mapping[str, Any]] | pd.DataFrame, name: str) -> pd.DataFrame:
    """Database rows of ``name`` as a frame typed like the file loader's output."""
    spec = TABLES[name]
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    out: dict[str, pd.Series] = {}
    for column in spec.columns:
        values = (
            frame[column.name] if column.name in frame.columns else pd.Series([None] * len(frame))
        )
        values = values.reset_index(drop=True)
        if column.type == "date":
            out[column.name] = pd.to_datetime(values, errors="coerce").astype("datetime64[ns]")
        else:
            out[column.name] = (
                values.astype(object).where(values.notna(), None).astype(_DTYPES[column.type])
            )
    extra = [c for c in frame.columns if c not in spec.by_name]
    result = pd.DataFrame(out)
    for extra_name in extra:
        result[extra_name] = frame[extra_name].reset_index(drop=True)
    return result


def read_table(
    connection: Connection, name: str, *, city: str | None = None, where: Any = None
) -> pd.DataFrame:
    """Rows of ``name`` (optionally one city's, and a further condition), ordered by key."""
    table = DOMAIN_TABLES[name]
    key = TABLES[name].key
    query = select(table)
    if city is not None:
        query = query.where(table.c.city == city)
    if where is not None:
        query = query.where(where)
    query = query.order_by(table.c[key])
    result = connection.execute(query)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return typed_frame(frame, name)
