"""Tables as bureau officers keep them: Excel workbooks and CSV files that Chinese Excel wrote.

What this module accepts beyond a plain UTF-8 CSV with its header on line 1:

- text in UTF-8 (with or without a BOM) or, failing that, GB18030 (the superset of GBK and
  GB2312 that Chinese Excel and WPS write by default), or in an encoding the caller names;
- ``.xlsx`` workbooks (openpyxl) and ``.xls`` workbooks (xlrd), first worksheet;
- a title row or a few (``2009年沈阳市求职登记人员名单``) above the header: the header is the
  first of the first :data:`MAX_TITLE_ROWS` + 1 rows whose cells are mostly known column names;
- fully blank rows and unnamed empty columns of a workbook, skipped.

Readers return text cells only (numbers as Excel shows them, see :func:`number_text`) in a
frame whose index is the row's position counted from the line after a header on line 1, so
``index + 2`` is the row a spreadsheet shows, whatever title or blank rows the file has.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

import pandas as pd

from matcher.errors import DataValidationError, Problem

#: Rows above the header that a title may take.
MAX_TITLE_ROWS = 10
#: Key of ``DataFrame.attrs`` holding the header's row (1-based) when it is not row 1.
HEADER_ROW = "header_row"
#: Encodings tried in turn when none is given: UTF-8 (a BOM is dropped), then GB18030.
DETECTED_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "gb18030")
#: The first bytes of a zip archive, which an ``.xlsx`` workbook is.
XLSX_MAGIC = b"PK\x03\x04"
#: The first bytes of an OLE2 compound file, which an ``.xls`` workbook is.
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Unpacked size above which a workbook is refused (a zip bomb would otherwise fill memory).
MAX_XLSX_UNPACKED_BYTES = 512 * 2**20
#: Excel keeps 15 significant digits of a number; larger numbers are shown this way.
_EXCEL_DIGITS = 15


def decode_text(
    data: bytes,
    label: str,
    encoding: str | None = None,
    *,
    hint: str = "save it as CSV UTF-8, or give --encoding",
) -> str:
    """``data`` as text: in ``encoding`` if given, else UTF-8 (BOM or not), else GB18030.
    ``hint`` ends the message of bytes that are not such text: what the reader can do.

    Raises
    ------
    DataValidationError
        The encoding is unknown, or the bytes are not text in it (naming the row of the first
        bad byte).
    """
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            rule = f"unknown encoding {encoding!r} (use utf-8, gbk or gb18030)"
            raise DataValidationError([Problem(label, None, None, None, rule)]) from None
        # A UTF-8 file may still start with a BOM; it is not part of the first header.
        candidates: tuple[str, ...] = ("utf-8-sig",) if codec == "utf-8" else (codec,)
    else:
        candidates = DETECTED_ENCODINGS
    first_error: UnicodeDecodeError | None = None
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except UnicodeDecodeError as error:
            first_error = first_error or error
    assert first_error is not None
    row = data[: first_error.start].count(b"\n") + 1
    named = encoding or "UTF-8 or GBK/GB18030"
    rule = f"file is not {named} text ({hint})"
    shown = data[first_error.start : first_error.start + 4].hex(" ")
    raise DataValidationError([Problem(label, row, None, shown, rule)])


def clean_header(value: object) -> str:
    """A header cell as matched against column names: NFKC (fullwidth to ASCII), no spaces
    around it and none inside a Chinese header (``姓 名`` is ``姓名``)."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    if text and not text.isascii():
        text = "".join(text.split())
    return text


def header_row(
    rows: Sequence[Sequence[object]], known: Callable[[str], bool], ignored: Iterable[str] = ()
) -> int:
    """Position of the header among the first rows: the first row whose non-empty cells are
    mostly known column names (at least two, or the only one), else 0 as for a plain file."""
    skip = set(ignored)
    for position, row in enumerate(rows[: MAX_TITLE_ROWS + 1]):
        cells = [clean_header(cell) for cell in row]
        filled = [cell for cell in cells if cell and cell not in skip]
        hits = sum(1 for cell in filled if known(cell))
        if filled and hits >= min(2, len(filled)) and 2 * hits >= len(filled):
            return position
    return 0


def number_text(value: float | int) -> str:
    """A numeric cell as text: whole numbers without ``.0``; beyond 15 significant digits,
    which Excel does not keep, as Excel shows them (``2.10102198001011E+17``), so a number
    that has lost digits is never taken for an exact one."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 10**_EXCEL_DIGITS:
        return f"{value:.{_EXCEL_DIGITS}G}"
    if value.is_integer():
        return str(int(value))
    return repr(value)


def cell_text(value: object) -> str:
    """A workbook cell as text: empty for a blank, ISO dates, numbers by :func:`number_text`."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return number_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _frame(rows: Iterator[tuple[int, list[str]]], header: list[str]) -> pd.DataFrame:
    """Rows (line number from 1, cells) under ``header`` as a text frame indexed by line - 2."""
    width = len(header)
    index: list[int] = []
    body: list[list[str]] = []
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue  # a blank row: skipped, the rows after it keep their numbers
        if len(cells) > width:
            # Cells beyond the header's last column: kept if they hold something, so that they
            # are reported as a column without a header, not silently lost.
            header = header + [""] * (len(cells) - width)
            for earlier in body:
                earlier.extend([""] * (len(cells) - width))
            width = len(cells)
        index.append(line - 2)
        body.append(cells + [""] * (width - len(cells)))
    names = _unique_headers(header)
    frame = pd.DataFrame(body, columns=names, dtype="string") if body else None
    if frame is None:
        frame = pd.DataFrame({name: pd.Series([], dtype="string") for name in names})
    frame.index = pd.Index(index, dtype="int64")
    # Columns with no header and no value (Excel's formatting reaches past the data) go.
    empty = [
        name
        for name, cell in zip(names, header, strict=True)
        if not cell and not (frame[name].str.strip() != "").any()
    ]
    return frame.drop(columns=empty)


def _unique_headers(header: list[str]) -> list[str]:
    """Header cells as column labels; a blank header becomes ``Unnamed: N`` as pandas names it."""
    names: list[str] = []
    for position, cell in enumerate(header):
        name = cell or f"Unnamed: {position}"
        while name in names:
            name += "."
        names.append(name)
    return names


def workbook_rows(source: str | Path | IO[bytes], label: str) -> Iterator[list[object]]:
    """The cell values of the first worksheet of an ``.xlsx`` or ``.xls`` workbook, row by row.

    Raises
    ------
    DataValidationError
        The workbook cannot be read, or unpacks to more than :data:`MAX_XLSX_UNPACKED_BYTES`.
    """
    head = _peek(source, 8)
    if head.startswith(XLS_MAGIC):
        return _xls_rows(source, label)
    return _xlsx_rows(source, label)


def _peek(source: str | Path | IO[bytes], size: int) -> bytes:
    if isinstance(source, (str, Path)):
        with open(source, "rb") as handle:
            return handle.read(size)
    position = source.tell()
    head = source.read(size)
    source.seek(position)
    return head


def _unreadable(label: str, error: Exception) -> DataValidationError:
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    return DataValidationError([Problem(label, None, None, None, f"cannot be read: {message}")])


def _xlsx_rows(source: str | Path | IO[bytes], label: str) -> Iterator[list[object]]:
    import openpyxl

    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            rule = (
                f"workbook unpacks to {unpacked // 2**20} MiB, more than "
                f"{MAX_XLSX_UNPACKED_BYTES // 2**20} MiB: split it or save it as CSV"
            )
            raise DataValidationError([Problem(label, None, None, None, rule)])
        if not isinstance(source, (str, Path)):
            source.seek(0)
        # read_only streams the sheet instead of building every cell object at once.
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except DataValidationError:
        raise
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        raise _unreadable(label, error) from None
    return _close_after(book, (list(row) for row in book.worksheets[0].iter_rows(values_only=True)))


def _close_after(book: Any, rows: Iterator[list[object]]) -> Iterator[list[object]]:
    try:
        yield from rows
    finally:
        book.close()


def _xls_rows(source: str | Path | IO[bytes], label: str) -> Iterator[list[object]]:
    try:
        import xlrd
    except ImportError:  # pragma: no cover - xlrd is a dependency
        rule = ".xls (Excel 97-2003) is not supported: save the workbook as .xlsx or CSV"
        raise DataValidationError([Problem(label, None, None, None, rule)]) from None
    try:
        if isinstance(source, (str, Path)):
            book = xlrd.open_workbook(str(source), on_demand=True)
        else:
            book = xlrd.open_workbook(file_contents=source.read(), on_demand=True)
        sheet = book.sheet_by_index(0)
    except (xlrd.XLRDError, OSError, ValueError, AssertionError) as error:
        raise _unreadable(label, error) from None

    def rows() -> Iterator[list[object]]:
        for number in range(sheet.nrows):
            values: list[object] = []
            for cell in sheet.row(number):
                if cell.ctype == xlrd.XL_CELL_DATE:
                    values.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    values.append(bool(cell.value))
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    values.append(None)
                else:
                    values.append(cell.value)
            yield values
        book.release_resources()

    return rows()


def read_workbook(
    source: str | Path | IO[bytes],
    label: str,
    known: Callable[[str], bool],
    ignored: Iterable[str] = (),
) -> pd.DataFrame:
    """The first worksheet of a workbook as a text frame (see the module's notes)."""
    rows = workbook_rows(source, label)
    head: list[list[str]] = []
    for row in rows:
        head.append([cell_text(value) for value in row])
        if len(head) > MAX_TITLE_ROWS:
            break
    if not any(any(cell.strip() for cell in row) for row in head):
        raise DataValidationError([Problem(label, None, None, None, "file is empty")])
    start = header_row(head, known, ignored)
    header = [clean_header(cell) for cell in head[start]]
    while header and not header[-1]:
        header.pop()

    def body() -> Iterator[tuple[int, list[str]]]:
        line = start + 1
        for cells in head[start + 1 :]:
            line += 1
            yield line, cells
        for row in rows:
            line += 1
            yield line, [cell_text(value) for value in row]

    frame = _frame(body(), header)
    if start:
        frame.attrs[HEADER_ROW] = start + 1
    return frame


def csv_header_offset(
    text: str, known: Callable[[str], bool], ignored: Iterable[str] = ()
) -> tuple[int, int]:
    """Where the header of CSV ``text`` starts: (character offset, lines above it)."""
    stream = io.StringIO(text)
    reader = csv.reader(stream)
    rows: list[list[str]] = []
    ends: list[int] = [0]
    try:
        for row in reader:
            rows.append(row)
            ends.append(stream.tell())
            if len(rows) > MAX_TITLE_ROWS:
                break
    except csv.Error:
        pass  # pandas reports a malformed file with its own message
    start = header_row(rows, known, ignored)
    if start == 0:
        return 0, 0
    offset = ends[start]
    return offset, text.count("\n", 0, offset)


__all__ = [
    "DETECTED_ENCODINGS",
    "HEADER_ROW",
    "MAX_TITLE_ROWS",
    "XLSX_CONTENT_TYPE",
    "XLSX_MAGIC",
    "XLS_MAGIC",
    "cell_text",
    "clean_header",
    "csv_header_offset",
    "decode_text",
    "header_row",
    "number_text",
    "read_workbook",
    "workbook_rows",
]
