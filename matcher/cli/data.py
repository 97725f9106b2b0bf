"""Commands over dataset directories: ``validate``, ``eligibility``, ``schema-doc``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from matcher.cli.output import print_json, show
from matcher.cli.output import stderr as err_console
from matcher.schemas import TABLES


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date YYYY-MM-DD, got {value!r}") from None


ReferenceDate = Annotated[
    str | None,
    typer.Option(
        "--reference-date",
        help="Evaluate ages and dates on this day (YYYY-MM-DD); default: the dataset's own.",
    ),
]


Encoding = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="Encoding of CSV inputs (utf-8, gbk, gb18030 …); default: UTF-8 with or without "
        "BOM, else GB18030 (GBK, as Chinese Excel saves CSV).",
    ),
]


JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the result as one JSON object on standard output.")
]


def _problem_json(problem: Any) -> dict[str, Any]:
    return {
        "file": problem.file,
        "row": problem.row,
        "column": problem.column,
        "value": problem.value,
        "rule": problem.rule,
    }


def validate(
    directory: Annotated[Path, typer.Argument(help="Dataset directory to check.")],
    reference_date: ReferenceDate = None,
    encoding: Encoding = None,
    as_json: JsonOption = False,
) -> None:
    """Check every table of a dataset; list every problem with file, row, column, value and rule.

    Tables may be CSV (UTF-8 or GBK), Parquet or Excel (.xlsx, .xls), named in English
    (seekers.csv) or Chinese (求职登记人员.xlsx); see docs/data-format.md. With --json: {"valid",
    "directory", "reference_date", "tables": {name: rows}, "warnings", "problems"}, each problem
    {"file", "row", "column", "value", "rule"}; exit 2 when invalid either way."""
    from matcher.errors import DataValidationError
    from matcher.io.load import load_dataset

    when = _parse_date(reference_date)
    try:
        with err_console.status(f"Validating {directory} …"):
            dataset = load_dataset(directory, reference_date=when, encoding=encoding)
    except DataValidationError as error:
        if as_json:
            print_json(
                {
                    "valid": False,
                    "directory": str(directory),
                    "problems": [_problem_json(problem) for problem in error.problems],
                }
            )
        raise
    if as_json:
        print_json(
            {
                "valid": True,
                "directory": str(directory),
                "reference_date": dataset.reference_date.isoformat(),
                "tables": {name: len(frame) for name, frame in dataset.tables.items()},
                "warnings": [_problem_json(problem) for problem in dataset.warnings],
                "problems": [],
            }
        )
        return
    table = Table(title=f"{directory}: valid (reference date {dataset.reference_date})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, frame in dataset.tables.items():
        table.add_row(name, f"{len(frame):,}")
    show(table)
    if dataset.warnings:
        err_console.print(
            f"[yellow]{len(dataset.warnings):,} warning(s)[/], e.g. {dataset.warnings[0]}",
            highlight=False,
        )


def eligibility(
    directory: Annotated[Path, typer.Argument(help="Dataset directory.")],
    program: Annotated[str, typer.Option(help="Program id: welfare, grassroots, internship …")],
    out: Annotated[
        Path,
        typer.Option(help="Output file, one row per seeker: CSV for Excel, or .xlsx by suffix."),
    ],
    reference_date: ReferenceDate = None,
    preset: Annotated[
        str | None,
        typer.Option(
            help="Priority preset of the rules file (welfare: listing_order); default: the "
            "file's own order (notice)."
        ),
    ] = None,
    for_allocation: Annotated[
        bool,
        typer.Option(
            "--for-allocation",
            help="Write only the eligible, as `matcher allocate --seekers` takes them: "
            "seeker_id, tier (the allocation's priority: the policy tier refined by need, "
            "shared within zero-employment families), policy_tier, need, groups, family_id, "
            "zero_employment, city, sex.",
        ),
    ] = False,
) -> None:
    """Write eligibility, priority tier, need index, groups and reasons of every seeker for one
    program (with --for-allocation: the eligible seekers as `matcher allocate` takes them)."""
    from matcher.io.atomic import write_table

    when = _parse_date(reference_date)
    with err_console.status(f"Evaluating {program} eligibility …"):
        if for_allocation:
            from matcher.io.load import load_dataset
            from matcher.programs.allocation_input import allocation_input
            from matcher.programs.seekers import program_eligibility

            dataset = load_dataset(directory, reference_date=when, tables=("seekers", "households"))
            seekers, households = dataset["seekers"], dataset["households"]
            result = program_eligibility(
                seekers, households, program, dataset.reference_date, preset=preset
            )
            written = allocation_input(seekers, households, result)
        else:
            from matcher.eligibility import eligibility_for_dir

            result = eligibility_for_dir(directory, program, when, preset=preset)
            written = result
    write_table(written, out)
    eligible = result[result["eligible"]]
    table = Table(title=f"{program}: {len(eligible):,} of {len(result):,} seekers eligible")
    table.add_column("tier", justify="right")
    table.add_column("seekers", justify="right")
    table.add_column("need (min–max)", justify="right")
    for tier, rows in eligible.groupby("tier", sort=True):
        need = rows["need"]
        table.add_row(str(tier), f"{len(rows):,}", f"{need.min()}–{need.max()}")
    show(table)
    err_console.print(f"Wrote {out}", highlight=False)


def schema_doc(
    out: Annotated[Path, typer.Option(help="Markdown file to write.")] = Path(
        "docs/data-format.md"
    ),
) -> None:
    """Write the data-format reference (every column, its type and rule) from the schemas."""
    from matcher.io.atomic import atomic_open

    with atomic_open(out) as handle:
        handle.write(render_schema_doc())
    err_console.print(f"Wrote {out}", highlight=False)


def render_schema_doc() -> str:
    """Markdown listing every table and column; generated so it cannot drift from the code."""
    from matcher.io.load import IGNORED_HEADERS, SUFFIXES, TABLE_FILE_STEMS
    from matcher.io.sheets import MAX_TITLE_ROWS

    file_names = [
        f"| `{name}` | " + " / ".join(f"`{stem}`" for stem in stems) + " |"
        for name, stems in TABLE_FILE_STEMS.items()
    ]
    lines = [
        "# Data formats",
        "",
        "<!-- Generated by `matcher schema-doc` from matcher/schemas/tables.py: edit there. -->",
        "",
        "A dataset is a directory with one file per table, named in English or in Chinese (below)",
        "with the suffix " + ", ".join(f"`{s}`" for s in SUFFIXES) + ".",
        "Headers may be the English column names or any Chinese alias listed.",
        "Rows are numbered as a spreadsheet shows them: the header is row 1. Flags accept 1/0,",
        "true/false,",
        "yes/no and 是/否; dates YYYY-MM-DD (also YYYY/MM/DD, YYYYMMDD); lists are `|`-separated",
        "(、，,;/ accepted). Sex accepts 男/女, hukou 城镇/农村, education 小学 … 博士.",
        "`manifest.json`, if present, gives the dataset's reference date.",
        "",
        "| table | file name (any of them, one per table) |",
        "|---|---|",
        *file_names,
        "",
        "## Files from Excel",
        "",
        "Bureau registers are read as they are kept:",
        "",
        "- **CSV encoding**: UTF-8 with or without BOM, else GB18030 (which covers GBK and GB2312,",
        "  what Chinese Excel and WPS write by default); `--encoding` (`validate`, `db load`,",
        "  `allocate`) names another. API uploads honour `charset=` in `Content-Type`.",
        f"- **Title rows**: up to {MAX_TITLE_ROWS} rows above the header (a title such as",
        "  `2009年沈阳市求职登记人员名单`, a blank row) are skipped: the header is the first row",
        "  whose cells are mostly known column names. Rows keep the numbers the spreadsheet shows.",
        "- **Row numbers**: a column headed "
        + " or ".join(f"`{h}`" for h in IGNORED_HEADERS)
        + " is ignored.",
        "  Blank rows and empty unnamed columns of a workbook are skipped.",
        "- **Cities** may be given by code (`2101`) or by name as `data/cities.csv` lists",
        "  them: `沈阳市`, `沈阳`, `Shenyang`. Anything else is an error naming file, row, column",
        "  and value.",
        "- **Workbooks**: the first worksheet of an `.xlsx` or `.xls` (Excel 97-2003) file.",
        "- **Identity numbers kept as numbers**: Excel keeps 15 significant digits of a number, so",
        "  a 身份证号 column formatted as a number loses the last digits (`2.10102E+17`,",
        "  `210102198001011000`, `….0`). Such a column is reported once per file, naming the",
        "  rows, as *stored as a number: format the column as text* (设置单元格格式 → 文本) and",
        "  enter the numbers again; it is not reported as thousands of check-character errors.",
        "",
        "## Output for Excel",
        "",
        "Every CSV that `matcher` writes for a person (eligibility, candidates, allocations, the",
        "unplaced, quotas, run exports, reports) starts with a UTF-8 byte-order mark, so that",
        "Excel shows the Chinese text; programs read it as plain UTF-8. An output path ending in",
        "`.xlsx` (`--out A.xlsx`) writes an Excel workbook instead. The API's",
        "`/runs/{id}/export/NAME.csv` has the BOM too, `NAME.xlsx` gives a workbook, and both are",
        "sent as downloads (`Content-Disposition: attachment; filename*=UTF-8''…`). Generated",
        "datasets (`matcher generate`) stay plain UTF-8 CSV.",
        "",
    ]
    for spec in TABLES.values():
        optional = " (optional table)" if spec.optional_table else ""
        lines += [f"## `{spec.name}`{optional}", "", spec.description, ""]
        lines += ["| column | 中文 | type | rule | meaning |", "|---|---|---|---|---|"]
        for column in spec.columns:
            name = column.name if column.required else f"{column.name} (optional column)"
            cells = [f"`{name}`", " / ".join(column.zh), column.type, column.rule(),
                     column.description]  # fmt: skip
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.command()(eligibility)
    app.command("schema-doc")(schema_doc)


__all__ = ["register", "render_schema_doc"]
