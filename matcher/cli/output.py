"""How the command line prints, in one place.

On a terminal, tables are drawn for a person (rich). When standard output is a pipe or a file
(``matcher quotas … | grep``, ``> out.txt``), a drawn table would be cut to 80 columns
(``reg…``), so every table is written as tab-separated values instead: a ``# title`` line, the
header, one line per row, with markup removed. Messages never wrap in a pipe. ``--json`` output
is one JSON document on standard output, nothing else.
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

#: Standard output (tables, results); ``soft_wrap``: long messages are not broken in pipes.
#: A reader that stops early (``| head``) ends the command quietly with exit 1, as click and
#: rich do, without a traceback; every command writes its files before it prints.
stdout = Console(soft_wrap=True)
#: Standard error (progress, notes, warnings).
stderr = Console(stderr=True, soft_wrap=True)


def _plain(cell: object) -> str:
    text = cell.plain if isinstance(cell, Text) else Text.from_markup(str(cell)).plain
    return " ".join(text.split("\t")).replace("\n", " ")


def table_rows(table: Table) -> list[list[str]]:
    """The header and rows of a rich table as plain text cells."""
    columns = table.columns
    header = [_plain(column.header) for column in columns]
    cells = [[_plain(cell) for cell in column.cells] for column in columns]
    return [header, *([column[i] for column in cells] for i in range(table.row_count))]


def show(table: Table, console: Console | None = None) -> None:
    """Print a table: drawn on a terminal, as tab-separated values in a pipe or a file."""
    console = console or stdout
    if console.is_terminal:
        console.print(table)
        return
    lines = []
    if table.title:
        lines.append("# " + _plain(table.title))
    lines += ["\t".join(row) for row in table_rows(table)]
    console.file.write("\n".join(lines) + "\n")
    console.file.flush()


def print_json(value: Any) -> None:
    """One JSON document on standard output (UTF-8, Chinese as it is, no NaN)."""
    typer.echo(json.dumps(value, ensure_ascii=False, allow_nan=False, default=str))
