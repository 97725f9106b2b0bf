"""Validated upserts of domain rows, and typed reads back into frames.

A batch (rows as read from a CSV or a JSON list) is checked with the same
:mod:`matcher.schemas` rules the file loader applies (types, allowed values, ranges, identity
numbers), plus references into what the database already holds. Any problem rejects the whole
batch: nothing of it is written, and every problem is reported at once with its row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from matcher.errors import DataValidationError, MatcherError, Problem
from matcher.idnumber import mask
from matcher.io.load import check_identity_numbers, check_references, parse_table
from matcher.policy.post_rules import post_rule_problems
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


def json_cell_problems(records: Sequence[Mapping[str, Any]], label: str) -> list[Problem]:
    """Cells of a JSON batch that no table cell can hold: an object, or a list holding objects
    or lists (there is no text for it; it would be stored as its Python repr), and text with
    a lone surrogate (``"\\ud800"`` is valid JSON but not Unicode text: it cannot be encoded
    to be stored, nor even held in a text column of a frame).

    Rows are counted as in a spreadsheet (first row 2) like every other problem; at most
    :data:`KEPT_PROBLEMS` are returned.
    """
    problems: list[Problem] = []
    for index, record in enumerate(records):
        for column, value in record.items():
            rule = None
            if isinstance(value, dict) or (
                isinstance(value, list) and any(isinstance(item, dict | list) for item in value)
            ):
                rule = (
                    "must be a single value (text, number, true/false) or a list of them, "
                    "not an object"
                )
            elif _has_surrogate(value) or (
                isinstance(value, list) and any(_has_surrogate(item) for item in value)
            ):
                rule = _SURROGATE_RULE
            elif _has_surrogate(column):
                rule = "the column name " + _SURROGATE_RULE
            if rule is not None:
                problems.append(
                    Problem(label, index + _FIRST_DATA_ROW, printable(str(column)), None, rule)
                )
                if len(problems) >= KEPT_PROBLEMS:
                    return problems
    return problems


def _has_surrogate(value: object) -> bool:
    # isascii is a C-speed test: only non-ASCII text is searched.
    return isinstance(value, str) and not value.isascii() and bool(_SURROGATES.search(value))


_SURROGATES = re.compile("[\ud800-\udfff]")


def _existing_ids(connection: Connection, table: str, ids: Iterable[str]) -> set[str]:
    key = TABLES[table].key
    column = DOMAIN_TABLES[table].c[key]
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(connection.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def _stored_cities(connection: Connection, table: str, ids: Iterable[str]) -> dict[str, str]:
    """``id → city`` of the stored rows of ``table`` among ``ids``."""
    key = TABLES[table].key
    domain = DOMAIN_TABLES[table]
    wanted = sorted(set(ids))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = connection.execute(
            select(domain.c[key], domain.c.city).where(domain.c[key].in_(chunk))
        )
        found.update({str(row_id): str(city) for row_id, city in rows})
    return found


def _database_problems(
    connection: Connection, name: str, frame: pd.DataFrame, label: str
) -> list[Problem]:
    problems: list[Problem] = []
    for (table, column), target in _DB_REFERENCES.items():
        if table != name:
            continue
        values = frame[column].astype("string")
        cities = frame["city"].astype("string")
        known = _stored_cities(connection, target, values.dropna().tolist())
        for index in values[values.notna()].index:
            # A reference must name a row of the same city: a 2101 seeker in a 2103 household
            # would put one city's people into another's runs. The message is the same as for
            # an unknown id, so it does not tell which ids exist in other cities.
            if known.get(str(values[index])) != str(cities[index]):
                problems.append(
                    Problem(label, int(index) + _FIRST_DATA_ROW, column, str(values[index]),
                            f"unknown id: no {target}.{TABLES[target].key} of this row's city")
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
        for index, (number, seeker_id) in enumerate(
            zip(frame["id_number"].tolist(), frame["seeker_id"].tolist(), strict=True)
        ):
            owner = owners.get(str(number))
            if owner is not None and owner != str(seeker_id):
                # Neither the number nor the other seeker's id: that one may be another city's.
                problems.append(
                    Problem(label, index + _FIRST_DATA_ROW, "id_number", mask(number),
                            "identity number already registered to another seeker")
                )  # fmt: skip
    return problems


class ForeignRowsError(MatcherError):
    """Rows of a batch whose ids are stored under a city the writer may not change.

    ``rows`` are the batch's spreadsheet rows (header = 1). The message names no city: to the
    writer these ids are as good as absent.
    """

    def __init__(self, table: str, rows: Sequence[int]) -> None:
        self.table = table
        self.rows = list(rows)
        super().__init__(f"{len(self.rows)} {table} row(s) name ids this key cannot write")


def foreign_rows(connection: Connection, name: str, frame: pd.DataFrame, city: str) -> list[int]:
    """Spreadsheet rows of ``frame`` whose id is stored with a city other than ``city``.

    On PostgreSQL the stored rows are locked (``FOR UPDATE``) until the transaction ends, so
    the city checked is the city the upsert overwrites.
    """
    spec = TABLES[name]
    domain = DOMAIN_TABLES[name]
    keys = frame[spec.key].astype(str).tolist()
    stored: dict[str, str] = {}
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), _CHUNK):
        query = select(domain.c[spec.key], domain.c.city).where(
            domain.c[spec.key].in_(wanted[start : start + _CHUNK])
        )
        if connection.dialect.name == "postgresql":
            query = query.with_for_update()
        stored.update({str(k): str(c) for k, c in connection.execute(query)})
    return [
        index + _FIRST_DATA_ROW
        for index, key in enumerate(keys)
        if key in stored and stored[key] != city
    ]


class BatchRejected(DataValidationError):
    """A rejected batch whose problems were too many to keep: the first ones are listed,
    ``omitted`` counts the others found, and ``unchecked_rows`` says how many rows were not
    checked at all once enough problems were found. A million bad rows cost a bounded amount
    of memory and time."""

    def __init__(
        self, problems: Iterable[Problem], omitted: int = 0, unchecked_rows: int = 0
    ) -> None:
        super().__init__(problems)
        self.omitted = omitted
        self.unchecked_rows = unchecked_rows


#: Rows of the first chunk of a batch's row-by-row pre-check; each clean chunk doubles the
#: next, up to :data:`MAX_CHUNK_ROWS`. A bad batch stops early (the problems of a chunk, at
#: most its rows × columns, bound memory and time); a good one takes few chunks.
FIRST_CHUNK_ROWS = 200
MAX_CHUNK_ROWS = 8_000
#: Problems kept for the report; later ones are only counted.
KEPT_PROBLEMS = 1_000
#: Longest value of the VARCHAR(64) columns (ids, codes, identity numbers, see ``models``).
_SHORT_TEXT = 64
_NUL_RULE = "contains a NUL character: not storable text"
_SURROGATE_RULE = "contains a lone surrogate (not Unicode text): not storable"


class _Collector:
    """Problems in order, keeping the first :data:`KEPT_PROBLEMS` and counting the rest."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.omitted = 0
        self.unchecked_rows = 0

    def add(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            if len(self.kept) < KEPT_PROBLEMS:
                self.kept.append(problem)
            else:
                self.omitted += 1

    def raise_if_any(self) -> None:
        if self.kept:
            raise BatchRejected(self.kept, self.omitted, self.unchecked_rows)


def _nul_problems(raw: pd.DataFrame, label: str, found: _Collector) -> None:
    """NUL characters, in headers or cells: PostgreSQL refuses them in text (SQLite would cut
    the value there), so both refuse them here, with the row and column."""
    for header in raw.columns:
        if "\x00" in str(header):
            found.add([Problem(label, 1, printable(str(header)), None, _NUL_RULE)])
    for header in raw.columns:
        cells = raw[header].astype("string")
        bad = cells.str.contains("\x00", regex=False).fillna(False).to_numpy(dtype=bool)
        for index in np.flatnonzero(bad)[: KEPT_PROBLEMS + 1]:
            found.add([Problem(label, int(index) + _FIRST_DATA_ROW, printable(str(header)),
                               printable(str(cells.iloc[index]))[:200], _NUL_RULE)])  # fmt: skip
        found.omitted += max(0, int(bad.sum()) - KEPT_PROBLEMS - 1)


def printable(text: str) -> str:
    """``text`` with lone surrogates and NULs written as escapes, so a message can carry it
    (a surrogate cannot be encoded as UTF-8: a response holding one would fail to encode)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _length_problems(frame: pd.DataFrame, label: str) -> list[Problem]:
    problems: list[Problem] = []
    for column in frame.columns:
        if not (column.endswith("_id") or column in ("city", "district", "id_number")):
            continue
        if not pd.api.types.is_string_dtype(frame[column].dtype):
            continue
        long = (frame[column].astype("string").str.len() > _SHORT_TEXT).fillna(False)
        for index in long[long].index[:KEPT_PROBLEMS]:
            value = str(frame[column][index])
            problems.append(
                Problem(label, int(index) + _FIRST_DATA_ROW, column,
                        mask(value) if column == "id_number" else value[:_SHORT_TEXT] + "…",
                        f"longer than {_SHORT_TEXT} characters")
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

    A batch larger than :data:`FIRST_CHUNK_ROWS` rows is first checked row by row in growing
    chunks, keeping the first :data:`KEPT_PROBLEMS` problems and counting the others of the
    chunks checked; once that many are found the remaining rows are not checked (their number
    is reported). So the memory and time spent on a bad batch do not grow with its problems.

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
    BatchRejected
        The problems of the batch (a :class:`DataValidationError`), with how many more were
        found than are listed.
    """
    if name not in STORED_TABLES:
        raise ValueError(f"The 'name' parameter must be one of {STORED_TABLES}. Got {name!r}.")
    spec = TABLES[name]
    label = label or f"{name} batch"
    when = reference_date or dt.date.today()
    raw = raw.reset_index(drop=True)
    found = _Collector()
    _nul_problems(raw, label, found)
    found.raise_if_any()
    if len(raw) > FIRST_CHUNK_ROWS:
        start, size = 0, FIRST_CHUNK_ROWS
        while start < len(raw):
            _, chunk_problems = parse_table(raw.iloc[start : start + size], spec, label, when)
            found.add(chunk_problems)
            start += size
            header = any(p.row is None or p.row < _FIRST_DATA_ROW for p in chunk_problems)
            if header or len(found.kept) >= KEPT_PROBLEMS:
                # A header problem repeats in every chunk; past the kept problems, more
                # would only be counted, at the cost of validating every remaining row.
                found.unchecked_rows = 0 if header else len(raw) - start
                break
            # Grow while clean; after a chunk with problems start small again, so a bad stretch
            # of rows is met by a small chunk (pandera's cost grows with the failures found).
            size = FIRST_CHUNK_ROWS if chunk_problems else min(2 * size, MAX_CHUNK_ROWS)
        found.raise_if_any()
    frame, problems = parse_table(raw, spec, label, when)
    found.add(problems)
    found.raise_if_any()
    found.add(_length_problems(frame, label))
    found.raise_if_any()
    if name == "seekers":
        found.add(check_identity_numbers(frame, label, when))
    found.add(check_references({name: frame}, {name: label}))
    if name == "posts":  # the programmes' money and duration rules (十)(十七)
        found.add(post_rule_problems(frame, label, first_row=_FIRST_DATA_ROW))
    found.add(_database_problems(connection, name, frame, label))
    found.raise_if_any()
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


def upsert_frame(
    connection: Connection, name: str, frame: pd.DataFrame, *, city: str | None = None
) -> UpsertResult:
    """Insert or update validated rows of ``name`` (by key). Service state (a seeker's
    ``placed_week``, a post's ``filled``) is kept on update.

    With ``city`` (a city key's write) every row must be of that city and may only overwrite a
    stored row of that city: checked before writing, enforced by the update itself (it only
    applies where the stored city is ``city``) and checked again after it, all in the caller's
    transaction, so a concurrent writer cannot slip a row of another city in between.

    Raises
    ------
    ForeignRowsError
        With ``city``: rows whose ids are stored under another city (nothing is written once
        the caller rolls back).
    """
    spec = TABLES[name]
    table = DOMAIN_TABLES[name]
    if city is not None:
        foreign = foreign_rows(connection, name, frame, city)
        if foreign:
            raise ForeignRowsError(name, foreign)
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
            where=None if city is None else table.c.city == city,
        )
        connection.execute(statement, chunk)
    if city is not None:
        # A row inserted by another city's writer after the first check was not updated (the
        # conflict's condition failed): it still holds the other city, and the batch fails.
        foreign = foreign_rows(connection, name, frame, city)
        if foreign:
            raise ForeignRowsError(name, foreign)
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
