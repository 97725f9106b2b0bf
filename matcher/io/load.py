"""Load and validate input tables: CSV, Parquet or Excel, English or Chinese headers.

Every problem in every file is collected in one pass and raised together as one
:class:`~matcher.errors.DataValidationError` naming file, row (1-based, header = row 1, as a
spreadsheet shows it), column, value and rule. Nothing downstream sees a half-valid table.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from io import StringIO
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pandera.pandas as pa

from matcher import idnumber, reference
from matcher.errors import DataValidationError, Problem
from matcher.frames import isin
from matcher.io.sheets import (
    HEADER_ROW,
    clean_header,
    csv_header_offset,
    decode_text,
    read_workbook,
)
from matcher.policy.post_rules import post_rule_problems
from matcher.schemas import (
    FALSE_WORDS,
    LIST_SEPARATORS,
    TABLES,
    TRUE_WORDS,
    VALUE_ALIASES,
    ColumnSpec,
    TableSpec,
)

SUFFIXES: tuple[str, ...] = (".csv", ".parquet", ".xlsx", ".xls")
DEFAULT_REFERENCE_DATE_KEY = "reference_date"
_FIRST_DATA_ROW = 2  # row 1 is the header

#: Headers of columns that are read past: the row number (序号) a bureau register starts with.
IGNORED_HEADERS: tuple[str, ...] = ("序号", "行号")

#: File names (without suffix) a table may have in a dataset directory: the English table name
#: the generator writes, or the Chinese name an officer gives the workbook.
TABLE_FILE_STEMS: dict[str, tuple[str, ...]] = {
    "seekers": ("seekers", "求职登记人员", "求职人员"),
    "households": ("households", "家庭", "家庭信息"),
    "employers": ("employers", "用人单位"),
    "posts": ("posts", "岗位", "岗位信息"),
    "training_sessions": ("training_sessions", "培训班"),
    "placements": ("placements", "推荐记录"),
    "training_history": ("training_history", "培训记录"),
}


@dataclass
class Dataset:
    """Validated tables of one dataset directory, keyed by table name."""

    directory: Path
    tables: dict[str, pd.DataFrame]
    reference_date: date
    manifest: dict[str, Any] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def __contains__(self, name: object) -> bool:
        return name in self.tables


# --------------------------------------------------------------------------- reading raw files


@cache
def _known_headers() -> frozenset[str]:
    """Every column name and Chinese alias of every table (lower-cased too)."""
    names: set[str] = set()
    for spec in TABLES.values():
        for header in spec.aliases():
            names.update((header, header.lower()))
    return frozenset(names)


def _is_known_header(cell: str) -> bool:
    return cell in _known_headers() or cell.lower() in _known_headers()


def read_raw(path: Path, label: str | None = None, *, encoding: str | None = None) -> pd.DataFrame:
    """Read a table file as strings, headers untouched but for NFKC and spaces. File-level
    problems raise at once.

    CSV text is UTF-8 (with or without BOM), else GB18030 (GBK), or in ``encoding``. A title
    row or a few above the header are skipped (:mod:`matcher.io.sheets`); the frame's index
    then counts from the line after a header on line 1, so ``index + 2`` stays the row a
    spreadsheet shows. ``label`` names the file in problems (default: the path as given).
    """
    label = label or str(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise DataValidationError([Problem(label, None, None, None, "file does not exist")])
    if suffix not in SUFFIXES:
        rule = f"unsupported file type {suffix!r}; use one of {', '.join(SUFFIXES)}"
        raise DataValidationError([Problem(label, None, None, None, rule)])
    try:
        if suffix == ".csv":
            frame = read_csv_text(decode_text(path.read_bytes(), label, encoding), label)
        elif suffix == ".parquet":
            frame = pd.read_parquet(path).astype("string").reset_index(drop=True)
            frame.columns = [clean_header(c) for c in frame.columns]
        else:
            frame = read_workbook_raw(path, label)
    except DataValidationError:
        raise
    except (ValueError, OSError, pd.errors.ParserError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataValidationError(
            [Problem(label, None, None, None, f"cannot be read: {message}")]
        ) from None
    return frame


def read_workbook_raw(source: Path | IO[bytes], label: str) -> pd.DataFrame:
    """The first worksheet of an ``.xlsx`` or ``.xls`` workbook as text cells, read as
    :func:`read_raw` reads a workbook file (title rows, blank rows, numbers)."""
    return read_workbook(source, label, _is_known_header, IGNORED_HEADERS)


def read_csv_text(text: str, label: str) -> pd.DataFrame:
    """CSV text as a frame of strings (see :func:`read_raw`); pandas' errors pass through."""
    if not text.strip():
        raise DataValidationError([Problem(label, None, None, None, "file is empty")])
    offset, lines_above = csv_header_offset(text, _is_known_header, IGNORED_HEADERS)
    frame = pd.read_csv(
        StringIO(text[offset:] if offset else text),
        dtype=str,
        keep_default_na=False,
        skipinitialspace=True,
    )
    frame.columns = [clean_header(c) for c in frame.columns]
    # Excel saves the empty columns its formatting reaches as ",,,": no header, no value.
    empty = [
        column
        for column in frame.columns
        if column.startswith("Unnamed: ") and not (frame[column].str.strip() != "").any()
    ]
    if empty:
        frame = frame.drop(columns=empty)
    if lines_above:
        frame.index = frame.index + lines_above
        frame.attrs[HEADER_ROW] = lines_above + 1
    return frame


# --------------------------------------------------------------------------- parsing columns


_INT_LIMIT = 2**31 - 1


def _blank_to_na(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def _parse_column(
    values: pd.Series, spec: ColumnSpec, label: str
) -> tuple[pd.Series, list[Problem]]:
    text = _blank_to_na(values)
    problems: list[Problem] = []
    parsed: pd.Series

    def bad(mask: pd.Series, rule: str) -> None:
        for index in mask[mask].index:
            problems.append(
                Problem(label, int(index) + _FIRST_DATA_ROW, spec.name, str(text[index]), rule)
            )

    if spec.type in ("int", "float"):
        number = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
        unreadable = text.notna() & number.isna()
        if spec.type == "int":
            fractional = number.notna() & (number % 1 != 0)
            bad(unreadable | fractional, "must be a whole number")
            # Beyond a 32-bit integer (the database's INTEGER) the value would wrap, e.g.
            # 2**64 + 5 read as -9223372036854775808: say so instead.
            huge = number.notna() & ~fractional & (number.abs() > _INT_LIMIT)
            bad(huge, f"must be a whole number between {-_INT_LIMIT} and {_INT_LIMIT}")
            parsed = number.where(~fractional & ~huge).astype("Int64")
        else:
            bad(unreadable, "must be a number")
            parsed = number.astype("Float64")
    elif spec.type == "bool":
        lowered = text.str.lower()
        parsed = pd.Series(pd.NA, index=text.index, dtype="boolean")
        parsed[lowered.isin(TRUE_WORDS).fillna(False).astype(bool)] = True
        parsed[lowered.isin(FALSE_WORDS).fillna(False).astype(bool)] = False
        bad(text.notna() & parsed.isna(), "must be yes or no (1/0, true/false, 是/否)")
    elif spec.type == "date":
        # A column of dates all written YYYY-MM-DD (a generated or exported file) parses as it
        # is: the cleaning below leaves such dates unchanged, and costs seconds per 100,000.
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        if (text.notna() & parsed.isna()).any():
            cleaned = (
                text.str.split(r"[ T]", n=1, regex=True)
                .str[0]
                .str.replace(r"[/.]", "-", regex=True)
            )
            eight = cleaned.str.fullmatch(r"\d{8}").fillna(False).astype(bool)
            cleaned = cleaned.where(
                ~eight, cleaned.str[:4] + "-" + cleaned.str[4:6] + "-" + cleaned.str[6:]
            )
            parsed = pd.to_datetime(cleaned, format="%Y-%m-%d", errors="coerce")
        bad(text.notna() & parsed.isna(), "must be a date YYYY-MM-DD")
    elif spec.type == "list":
        items = text.str.split(LIST_SEPARATORS, regex=True)
        parsed = items.map(
            lambda parts: (
                pd.NA
                if not isinstance(parts, list)
                else ("|".join(p.strip() for p in parts if p.strip()) or pd.NA)
            )
        ).astype("string")
    else:
        parsed = text
        if spec.name == "id_number":
            # Chinese input methods type fullwidth digits (２１０１…) and Ｘ; NFKC makes them the
            # ASCII characters the standard defines, so the number is checked and stored once.
            parsed = parsed.str.normalize("NFKC")
        if spec.references == CITY_REFERENCE:
            parsed = _city_codes(parsed, spec, label, problems)
        aliases = VALUE_ALIASES.get(spec.name)
        if aliases:
            parsed = parsed.map(lambda v: aliases.get(v, aliases.get(str(v).lower(), v)))
            parsed = parsed.astype("string")
    return parsed, problems


CITY_REFERENCE = "cities.code"
_CITY_RULE = (
    "unknown city: give a city code (2101-2114) or a city name of data/cities.csv "
    "(沈阳市, 沈阳 or Shenyang)"
)


def _city_codes(
    text: pd.Series, spec: ColumnSpec, label: str, problems: list[Problem]
) -> pd.Series:
    """City names (沈阳市, 沈阳, Shenyang) as their codes through the one city table; a value
    that is neither a code nor a name is reported here, once, and kept as given."""
    lookup = reference.city_code_lookup()
    codes = text.str.lower().map(lookup).astype("string")
    unknown = text.notna() & codes.isna()
    for index in unknown[unknown].index:
        problems.append(
            Problem(label, int(index) + _FIRST_DATA_ROW, spec.name, str(text[index]), _CITY_RULE)
        )
    return codes.fillna(text)


#: An identity number as Excel leaves it when the column holds numbers, not text: scientific
#: notation (2.10102E+17), a trailing .0, or 15 significant digits and three zeros.
_NUMBER_SHAPES = r"[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+|[0-9]+\.0*|[0-9]{15}000"
_STORED_AS_NUMBER_RULE = (
    "stored as a number: format the column as text (设置单元格格式 → 文本) and enter the "
    "numbers again; Excel keeps only 15 digits of a number, so these have lost their last digits"
)


def stored_as_numbers(numbers: pd.Series) -> pd.Series:
    """Whether each identity number looks like what Excel makes of one kept as a number.

    Eighteen digits ending in 000 count only if the check character fails (a real number may
    end in 000)."""
    text = numbers.astype("string").str.strip()
    shaped = text.str.fullmatch(_NUMBER_SHAPES).fillna(False).astype(bool)
    zeros = shaped & (text.str.len() == 18).fillna(False).astype(bool)
    if zeros.any():
        shaped[zeros] = idnumber.problems_series(text[zeros]).notna()
    return shaped


def _stored_as_number_problem(numbers: pd.Series, label: str) -> tuple[pd.Series, list[Problem]]:
    """One problem for all identity numbers that Excel stored as numbers (not one per row:
    a whole column is usually affected), and which rows they are."""
    stored = stored_as_numbers(numbers)
    rows = [int(index) + _FIRST_DATA_ROW for index in stored[stored].index]
    if not rows:
        return stored, []
    listed = ", ".join(str(row) for row in rows[:10]) + (", …" if len(rows) > 10 else "")
    rule = f"{_STORED_AS_NUMBER_RULE} ({len(rows):,} rows: {listed})"
    first = stored[stored].index[0]
    return stored, [Problem(label, rows[0], "id_number", idnumber.mask(numbers[first]), rule)]


# --------------------------------------------------------------------------- rules via pandera


def _pandera_schema(spec: TableSpec, reference_date: date) -> pa.DataFrameSchema:
    columns: dict[str, pa.Column] = {}
    for column in spec.columns:
        checks: list[pa.Check] = []
        if column.allowed is not None:
            checks.append(
                pa.Check.isin(column.allowed, error="must be one of " + ", ".join(column.allowed))
            )
        if column.minimum is not None:
            checks.append(pa.Check.ge(column.minimum, error=f"must be at least {column.minimum:g}"))
        if column.maximum is not None:
            checks.append(pa.Check.le(column.maximum, error=f"must be at most {column.maximum:g}"))
        if column.pattern is not None and column.references != CITY_REFERENCE:
            checks.append(
                pa.Check.str_matches(
                    "^(?:" + column.pattern + ")$", error=f"must match {column.pattern}"
                )
            )
        if column.not_future:
            limit = pd.Timestamp(reference_date)
            checks.append(
                pa.Check.le(limit, error=f"must not be after the reference date {reference_date}")
            )
        columns[column.name] = pa.Column(
            checks=checks, nullable=column.nullable, unique=column.unique, required=False
        )
    return pa.DataFrameSchema(columns, strict=False)


_PANDERA_RULES = {
    "not_nullable": "a value is required here",
    "field_uniqueness": "duplicate value: must be unique",
}


def _check_rules(
    frame: pd.DataFrame,
    spec: TableSpec,
    label: str,
    reference_date: date,
    skip_id_rows: frozenset[int] = frozenset(),
) -> list[Problem]:
    try:
        _pandera_schema(spec, reference_date).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        problems = []
        for case in cases.itertuples(index=False):
            row = None if pd.isna(case.index) else int(case.index) + _FIRST_DATA_ROW
            value = None if pd.isna(case.failure_case) else str(case.failure_case)
            if value is not None and value.endswith(" 00:00:00"):
                value = value[:-9]
            rule = _PANDERA_RULES.get(str(case.check), str(case.check))
            column = None if pd.isna(case.column) else str(case.column)
            if column == "id_number" and row in skip_id_rows:
                continue  # reported once as stored as a number
            if column == "id_number" and value is not None:
                value = idnumber.mask(value)  # e.g. a duplicate: never shown in full
            problems.append(Problem(label, row, column, value, rule))
        return problems
    return []


# --------------------------------------------------------------------------- one table


def parse_table(
    raw: pd.DataFrame, spec: TableSpec, label: str, reference_date: date
) -> tuple[pd.DataFrame, list[Problem]]:
    """Map headers, parse every column to its type and check every rule of ``spec``.

    Returns the typed frame (columns in spec order) and the problems found; the frame is only
    meaningful when there are none.
    """
    problems: list[Problem] = []
    # The header's row as the file has it (below a title: not 1), see matcher.io.sheets.
    header_row = int(raw.attrs.get(HEADER_ROW, 1))
    aliases = spec.aliases()
    renamed: dict[str, str] = {}
    for header in raw.columns:
        if header in IGNORED_HEADERS:
            continue
        name = aliases.get(header, aliases.get(header.lower()))
        if name is None:
            if not spec.extra_columns_allowed:
                rule = f"unknown column; {spec.name} has: " + ", ".join(spec.by_name)
                problems.append(Problem(label, header_row, header, None, rule))
            continue
        if name in renamed.values():
            rule = f"column '{name}' appears twice"
            problems.append(Problem(label, header_row, header, None, rule))
            continue
        renamed[header] = name
    for column in spec.columns:
        if column.required and column.name not in renamed.values():
            zh = "/".join(column.zh)
            problems.append(Problem(label, header_row, column.name, None, f"missing column ({zh})"))
    if len(raw) == 0:
        problems.append(Problem(label, None, None, None, "file has a header but no rows"))
    if problems:
        return pd.DataFrame(), problems

    source = raw[list(renamed)].rename(columns=renamed)
    parsed: dict[str, pd.Series] = {}
    for column in spec.columns:
        if column.name in source.columns:
            values, column_problems = _parse_column(source[column.name], column, label)
            problems.extend(column_problems)
        else:  # an optional column: absent means "no" for flags, empty otherwise
            fill: Any = False if column.type == "bool" else pd.NA
            dtype = {"bool": "boolean", "int": "Int64", "float": "Float64"}.get(
                column.type, "string"
            )
            values = pd.Series(fill, index=source.index, dtype=dtype)
            if column.type == "date":
                values = pd.Series(pd.NaT, index=source.index, dtype="datetime64[ns]")
        parsed[column.name] = values
    frame = pd.DataFrame(parsed, index=source.index)
    skip: frozenset[int] = frozenset()
    if "id_number" in source.columns:
        stored, stored_problems = _stored_as_number_problem(frame["id_number"], label)
        problems.extend(stored_problems)
        skip = frozenset(int(index) + _FIRST_DATA_ROW for index in stored[stored].index)
    problems.extend(_check_rules(frame, spec, label, reference_date, skip))
    return frame, problems


def find_table_file(directory: Path, name: str) -> Path | None:
    """The file holding table ``name`` in ``directory``: named by one of
    :data:`TABLE_FILE_STEMS` (``seekers`` or ``求职登记人员`` …) with a suffix of
    :data:`SUFFIXES`; more than one such file is an error."""
    stems = {unicodedata.normalize("NFC", stem) for stem in TABLE_FILE_STEMS.get(name, (name,))}
    found = sorted(
        path
        for path in directory.iterdir()
        if path.suffix.lower() in SUFFIXES
        and unicodedata.normalize("NFC", path.stem) in stems
        and path.is_file()
    )
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise DataValidationError(
            [Problem(str(directory), None, None, None, f"table {name} given twice: {names}")]
        )
    return found[0] if found else None


def _file_names(name: str) -> str:
    """The names a table's file may have, for a message: ``seekers or 求职登记人员 … (.csv, …)``."""
    return " or ".join(TABLE_FILE_STEMS.get(name, (name,))) + f" ({', '.join(SUFFIXES)})"


def load_table(
    path: str | Path,
    name: str,
    reference_date: date | None = None,
    *,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Load and validate one table file (no cross-table checks); raise every problem at once."""
    spec = TABLES[name]
    file = Path(path)
    when = reference_date or date.today()
    frame, problems = parse_table(read_raw(file, encoding=encoding), spec, str(file), when)
    if name == "seekers" and not problems:
        problems.extend(check_identity_numbers(frame, str(file), when))
    if problems:
        raise DataValidationError(problems)
    return frame.reset_index(drop=True)


# --------------------------------------------------------------------------- cross checks


def check_identity_numbers(
    seekers: pd.DataFrame, label: str, reference_date: date
) -> list[Problem]:
    """Identity numbers valid (GB 11643) and consistent with birth date and sex.

    Values in problems are masked: identity numbers are never shown in full.
    """
    problems: list[Problem] = []
    numbers = seekers["id_number"].astype("string").fillna("")
    rules = idnumber.problems_series(numbers, today=reference_date)
    # Numbers Excel stored as numbers are reported once by parse_table, not row by row here.
    stored = stored_as_numbers(numbers)
    rules = rules.mask(stored)
    masked = idnumber.mask_series(numbers)
    for index in rules.dropna().index:
        problems.append(
            Problem(
                label, int(index) + _FIRST_DATA_ROW, "id_number", masked[index], str(rules[index])
            )
        )
    valid = rules.isna() & ~stored
    born = idnumber.birth_dates_series(numbers)
    stated = seekers["birth_date"]
    mismatch = valid & stated.notna() & (born != stated)
    for index in mismatch[mismatch].index:
        rule = f"birth date {born[index]:%Y-%m-%d} in the identity number differs from birth_date"
        problems.append(
            Problem(label, int(index) + _FIRST_DATA_ROW, "id_number", masked[index], rule)
        )
    sexes = idnumber.sexes_series(numbers)
    stated_sex = seekers["sex"].isin(["M", "F"]).fillna(False).astype(bool)  # else reported already
    wrong_sex = valid & stated_sex & (sexes != seekers["sex"])
    for index in wrong_sex[wrong_sex].index:
        rule = f"sex digit says {sexes[index]} but sex is {seekers['sex'][index]}"
        problems.append(
            Problem(label, int(index) + _FIRST_DATA_ROW, "id_number", masked[index], rule)
        )
    return problems


def identity_city_warnings(seekers: pd.DataFrame, label: str) -> list[Problem]:
    """Seekers whose identity number was issued outside their city: allowed (people move), noted."""
    region = seekers["id_number"].astype("string").str[:4]
    differs = region.notna() & seekers["city"].notna() & (region != seekers["city"])
    masked = idnumber.mask_series(seekers["id_number"])
    problems = []
    for index in differs[differs].index:
        rule = (
            f"warning: issued in region {region[index]}, "
            f"seeker registered in city {seekers['city'][index]}"
        )
        problems.append(
            Problem(label, int(index) + _FIRST_DATA_ROW, "id_number", masked[index], rule)
        )
    return problems


def _reference_values(target: str, tables: Mapping[str, pd.DataFrame]) -> set[str] | None:
    table_name, column = target.split(".")
    if target == CITY_REFERENCE:
        return None  # checked against the city table while parsing (_city_codes)
    if table_name == "districts":
        return set(reference.districts()["code"])
    if table_name in tables:
        return set(tables[table_name][column].dropna().astype(str))
    return None


def check_references(
    tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str]
) -> list[Problem]:
    """Every ``references`` column points at an existing id; districts lie in their city."""
    problems: list[Problem] = []
    for name, frame in tables.items():
        spec = TABLES[name]
        for column in spec.columns:
            if column.references is None:
                continue
            known = _reference_values(column.references, tables)
            if known is None:
                continue
            values = frame[column.name].astype("string")
            unknown = values.notna() & ~isin(values, known)
            for index in unknown[unknown].index:
                problems.append(
                    Problem(labels[name], int(index) + _FIRST_DATA_ROW, column.name,
                            str(values[index]), f"unknown id: not found in {column.references}")
                )  # fmt: skip
        if "district" in frame.columns and "city" in frame.columns:
            outside = frame["district"].notna() & frame["city"].notna()
            outside &= frame["district"].astype("string").str[:4] != frame["city"].astype("string")
            for index in outside[outside].index:
                problems.append(
                    Problem(labels[name], int(index) + _FIRST_DATA_ROW, "district",
                            str(frame["district"][index]),
                            f"district is not in city {frame['city'][index]}")
                )  # fmt: skip
    return problems


def _row_rule_checks(
    tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str]
) -> list[Problem]:
    """Rules between columns of one row."""
    problems: list[Problem] = []
    posts = tables.get("posts")
    if posts is not None:
        inverted = (
            posts["min_age"].notna()
            & posts["max_age"].notna()
            & (posts["min_age"] > posts["max_age"])
        )
        for index in inverted[inverted].index:
            problems.append(
                Problem(labels["posts"], int(index) + _FIRST_DATA_ROW, "max_age",
                        str(posts["max_age"][index]), "max_age is below min_age")
            )  # fmt: skip
    seekers = tables.get("seekers")
    if seekers is not None:
        early = seekers["unemployed_since"].notna() & (
            seekers["unemployed_since"] < seekers["birth_date"]
        )
        for index in early[early].index:
            problems.append(
                Problem(labels["seekers"], int(index) + _FIRST_DATA_ROW, "unemployed_since",
                        f"{seekers['unemployed_since'][index]:%Y-%m-%d}", "before the birth date")
            )  # fmt: skip
    return problems


# --------------------------------------------------------------------------- whole dataset


def read_manifest(directory: Path) -> dict[str, Any]:
    """The generator's ``manifest.json`` if present (scale, seed, reference date, hashes)."""
    path = directory / "manifest.json"
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataValidationError(
            [Problem(str(path), None, None, None, f"not valid JSON: {error}")]
        ) from None
    return manifest if isinstance(manifest, dict) else {}


def dataset_reference_date(directory: Path, override: date | None = None) -> date:
    """The date a dataset is evaluated at: given, else its manifest's, else today."""
    if override is not None:
        return override
    stated = read_manifest(directory).get(DEFAULT_REFERENCE_DATE_KEY)
    return date.fromisoformat(stated) if stated else date.today()


def load_dataset(
    directory: str | Path,
    *,
    reference_date: date | None = None,
    tables: Iterable[str] | None = None,
    encoding: str | None = None,
) -> Dataset:
    """Load every table of a dataset directory, validate each and their references.

    Parameters
    ----------
    directory : path
        Holds ``seekers``, ``households``, ``employers``, ``posts`` and optionally
        ``training_sessions`` and ``placements``, each as ``.csv``, ``.parquet``, ``.xlsx``
        or ``.xls``, named in English or Chinese (:data:`TABLE_FILE_STEMS`).
    reference_date : date, optional
        "Today" for age and future-date rules; defaults to the manifest's date, else today.
    tables : iterable of str, optional
        Load only these tables (and skip reference checks into tables not loaded).
    encoding : str, optional
        Encoding of CSV files; default: UTF-8 (with or without BOM), else GB18030 (GBK).

    Raises
    ------
    DataValidationError
        With every problem of every file, if any.
    """
    root = Path(directory)
    if not root.is_dir():
        raise DataValidationError([Problem(str(root), None, None, None, "not a directory")])
    when = dataset_reference_date(root, reference_date)
    wanted = list(tables) if tables is not None else list(TABLES)
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    for name in wanted:
        spec = TABLES[name]
        try:
            path = find_table_file(root, name)
            if path is None:
                if not spec.optional_table:
                    rule = f"required table is missing: no file {_file_names(name)}"
                    problems.append(Problem(str(root / spec.file_name), None, None, None, rule))
                continue
            labels[name] = path.name
            raw = read_raw(path, path.name, encoding=encoding)
            frame, table_problems = parse_table(raw, spec, path.name, when)
        except DataValidationError as error:
            problems.extend(error.problems)
            continue
        problems.extend(table_problems)
        if len(frame.columns):  # structurally sound: cross-check it too, so one run finds all
            frames[name] = frame
    if "seekers" in frames:
        problems.extend(check_identity_numbers(frames["seekers"], labels["seekers"], when))
    problems.extend(check_references(frames, labels))
    problems.extend(_row_rule_checks(frames, labels))
    if "posts" in frames:  # the programmes' money and duration rules (十)(十七)
        problems.extend(
            post_rule_problems(frames["posts"], labels["posts"], first_row=_FIRST_DATA_ROW)
        )
    if problems:
        raise DataValidationError(problems)
    warnings = (
        identity_city_warnings(frames["seekers"], labels["seekers"]) if "seekers" in frames else []
    )
    # Rows were indexed by their line in the file (for the row numbers of problems); the
    # validated tables are indexed 0, 1, … as every later stage expects.
    frames = {name: frame.reset_index(drop=True) for name, frame in frames.items()}
    return Dataset(root, frames, when, read_manifest(root), warnings)


__all__ = [
    "IGNORED_HEADERS",
    "SUFFIXES",
    "TABLE_FILE_STEMS",
    "Dataset",
    "check_identity_numbers",
    "check_references",
    "dataset_reference_date",
    "find_table_file",
    "load_dataset",
    "load_table",
    "parse_table",
    "read_csv_text",
    "read_manifest",
    "read_raw",
    "read_workbook_raw",
    "stored_as_numbers",
]
