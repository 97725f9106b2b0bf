"""``matcher quotas`` (apportion posts to regions) and ``matcher need`` (weights from data).

The commands only parse options, call :mod:`matcher.quotas` and print; every decision is made in
the library. Nothing is written unless every step succeeded.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import typer
from rich.table import Table

from matcher.cli.output import print_json, show
from matcher.cli.output import stderr as err_console
from matcher.cli.output import stdout as console
from matcher.eligibility import eligibility_for_dir
from matcher.io.atomic import write_table
from matcher.programs.quotas import (
    apply_bounds,
    apply_preset,
    apportion_table,
    city_need,
    quota_preset,
)
from matcher.quotas.explain import compare_frame, explanation_frame
from matcher.quotas.methods import (
    METHODS,
    ApportionmentParameterError,
    TieRule,
    resolve_method,
)
from matcher.quotas.need import need_weights, parse_tier_weights
from matcher.quotas.paradox import audit_house_monotonicity
from matcher.quotas.weights import WeightsTable, read_csv_text, read_weights


def _label(region: str) -> str:
    from matcher.reference import city_label

    try:
        return city_label(region)
    except (OSError, KeyError):  # no city table: show the code alone
        return region


def _percent(text: str | None, option: str) -> Fraction | None:
    if text is None:
        return None
    try:
        value = Fraction(text.strip().rstrip("%"))
    except (ValueError, ZeroDivisionError):
        raise typer.BadParameter(f"{text!r} is not a number", param_hint=option) from None
    if value < 0:
        raise typer.BadParameter("must not be negative", param_hint=option)
    return value


def _bounded(
    table: WeightsTable,
    total: int,
    preset: str | None,
    min_each: int | None,
    max_share: Fraction | None,
    topup: Fraction | None,
) -> WeightsTable:
    """A named preset first (``data/quota_presets.toml``), then the options given."""
    if preset is not None:
        table = apply_preset(table, total, quota_preset(preset))
    return apply_bounds(
        table,
        total,
        topup_cities=quota_preset("liaoxibei").topup_cities() if topup is not None else None,
        topup_percent=topup,
        min_each=min_each,
        max_share=max_share,
    )


def _print_result(frame: pd.DataFrame, title: str) -> None:
    table = Table(title=title)
    for column in ("region", "quota", "weight", "standard quota", "gain", "decided by"):
        table.add_column(column, justify="left" if column in ("region", "decided by") else "right")
    for record in frame.to_dict("records"):
        table.add_row(
            _label(str(record["region"])),
            str(record["quota"]),
            f"{record['weight']:g}",
            f"{record['standard_quota']:.4f}",
            f"{record['gain']:+.4f}",
            str(record["decided_by"]) + (f" (lot: {record['lot']})" if record["lot"] else ""),
        )
    show(table)


def _print_compare(frame: pd.DataFrame, total: int) -> None:
    table = Table(title=f"Every method for a total of {total}: seats (gain vs standard quota)")
    table.add_column("region")
    table.add_column("standard quota", justify="right")
    for method in METHODS:
        table.add_column(method, justify="right")
    violations = dict.fromkeys(METHODS, 0)
    for _, row in frame.iterrows():
        cells = []
        for method in METHODS:
            ok = bool(row[f"{method}_within_quota"])
            violations[method] += 0 if ok else 1
            flag = "" if ok else " [bold red]✗ quota[/]"
            cells.append(f"{row[method]} ({row[f'{method}_gain']:+.2f}){flag}")
        table.add_row(_label(str(row["region"])), f"{row['standard_quota']:.4f}", *cells)
    table.add_section()
    table.add_row("quota-rule violations", "", *(str(violations[method]) for method in METHODS))
    show(table)


def quotas_command(
    weights: Annotated[
        Path, typer.Option("--weights", help="CSV: region, weight, optional min, max.")
    ],
    total: Annotated[int, typer.Option("--total", min=0, help="Seats (posts) to apportion.")],
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="hamilton, jefferson, webster, adams, dean, huntington-hill "
            "(aliases: largest-remainder, dhondt, sainte-lague, hill).",
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write quotas and explanations here.")
    ] = None,
    compare: Annotated[
        bool, typer.Option("--compare", help="Also print every method side by side.")
    ] = False,
    min_each: Annotated[
        int | None, typer.Option("--min-each", min=0, help="Every region gets at least N.")
    ] = None,
    max_share: Annotated[
        str | None,
        typer.Option("--max-share", help="No region gets more than this percent of the total."),
    ] = None,
    liaoxibei_topup: Annotated[
        str | None,
        typer.Option(
            "--liaoxibei-topup", help="Raise the weight of Liaoxibei cities by this percent."
        ),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset",
            help="A named preset of data/quota_presets.toml (liaoxibei, bounds), applied "
            "before the options above.",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help='Print {"method", "total", "quotas": [rows as --out writes them], "tie", '
            '"compare", "audit", "second_level"} on standard output.',
        ),
    ] = False,
    ties: Annotated[
        Literal["error", "lot"],
        typer.Option("--ties", help="error (default): a tie stops; lot: draw lots."),
    ] = "error",
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the lot.")] = None,
    audit: Annotated[
        int | None,
        typer.Option(
            "--audit", min=1, help="Check the Alabama paradox for totals N..N+K (house monotone)."
        ),
    ] = None,
    children: Annotated[
        Path | None,
        typer.Option(
            "--children", help="Second level CSV: region, parent, weight, optional min, max, urban."
        ),
    ] = None,
    children_out: Annotated[
        Path | None, typer.Option("--children-out", help="Write the second-level quotas here.")
    ] = None,
    split_urban_rural: Annotated[
        bool,
        typer.Option(
            "--split-urban-rural",
            help="Second level: split each quota between urban (urban=1) and rural (urban=0) "
            "children first.",
        ),
    ] = False,
) -> None:
    """Apportion TOTAL posts to regions by weight, within bounds, and explain every quota."""
    try:
        canonical = resolve_method(method)
    except ApportionmentParameterError as error:
        raise typer.BadParameter(str(error), param_hint="--method") from None
    if ties == "lot" and seed is None:
        raise typer.BadParameter("--ties lot needs --seed N", param_hint="--seed")
    if children_out is not None and children is None:
        raise typer.BadParameter("needs --children", param_hint="--children-out")
    table = _bounded(
        read_weights(weights),
        total,
        preset,
        min_each,
        _percent(max_share, "--max-share"),
        _percent(liaoxibei_topup, "--liaoxibei-topup"),
    )
    tie_rule: TieRule = "lot" if ties == "lot" else "error"
    result = apportion_table(table, total, canonical, ties=tie_rule, seed=seed)
    explained = explanation_frame(result)
    compared = compare_frame(table, total) if compare else None
    audited = (
        audit_house_monotonicity(
            table.regions,
            table.weights,
            total,
            canonical,
            steps=audit,
            minimum=table.minimum,
            maximum=table.maximum,
        )
        if audit is not None
        else None
    )
    second_level: pd.DataFrame | None = None
    if children is not None:
        from matcher.quotas.levels import apportion_within
        from matcher.quotas.levels import split_urban_rural as split

        child_frame = read_csv_text(children)
        solve_level = split if split_urban_rural else apportion_within
        second_level = solve_level(
            result.as_dict(),
            child_frame,
            canonical,
            ties=tie_rule,
            seed=seed,
            source=children.name,
        )

    # Files first: what is printed after them may meet a closed pipe.
    if out is not None:
        write_table(explained, out)
    if children_out is not None and second_level is not None:
        write_table(second_level, children_out)
    if as_json:
        print_json(
            {
                "method": canonical,
                "total": total,
                "quotas": _records(explained),
                "tie": None
                if result.tie is None
                else {
                    "seats": result.tie.seats,
                    "regions": list(result.tie.regions),
                    "seed": seed,
                    "won_by": list(result.lot_winners),
                },
                "compare": None if compared is None else _records(compared),
                "audit": None
                if audited is None
                else {
                    "first": audited.first,
                    "last": audited.last,
                    "house_monotone": audited.house_monotone,
                    "violations": [str(v) for v in audited.violations],
                },
                "second_level": None if second_level is None else _records(second_level),
                "out": None if out is None else str(out),
            }
        )
        return
    _print_result(explained, f"{canonical}: {total} posts over {len(table)} regions")
    if result.tie is not None:
        console.print(
            f"Tie for {result.tie.seats} seat(s) among {', '.join(result.tie.regions)} drawn by "
            f"lot with seed {seed}: won by {', '.join(result.lot_winners)}"
        )
    if compared is not None:
        _print_compare(compared, total)
    if audited is not None:
        if audited.house_monotone:
            console.print(
                f"House monotone for totals {audited.first}..{audited.last}: "
                "no region loses a seat when the total rises."
            )
        else:
            console.print(f"[bold red]Alabama paradox[/] ({len(audited.violations)} found):")
            for violation in audited.violations:
                console.print(f"  {violation}")
    if second_level is not None:
        console.print(f"Second level: {len(second_level)} regions")
    if out is not None:
        err_console.print(f"Wrote {out}", highlight=False)
    if children_out is not None and second_level is not None:
        err_console.print(f"Wrote {children_out}", highlight=False)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON objects (NaN as null), through pandas' own JSON writer."""
    import json

    records: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", force_ascii=False))
    return records


def need_command(
    directory: Annotated[Path, typer.Argument(help="Dataset directory (generated or loaded).")],
    program: Annotated[str, typer.Option("--program", help="Program, e.g. welfare.")],
    tier_weights: Annotated[
        str | None,
        typer.Option("--tier-weights", help="What one eligible person counts per tier: 1=3,2=1.5"),
    ] = None,
    by: Annotated[
        Literal["city", "district"], typer.Option("--by", help="Region level of the weights.")
    ] = "city",
    reference_date: Annotated[
        str | None, typer.Option("--reference-date", help="YYYY-MM-DD; default: the data's.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the weights table here.")] = None,
) -> None:
    """Compute need (eligible people per region, weighted by tier) as a weights table."""
    try:
        weights_by_tier = parse_tier_weights(tier_weights) if tier_weights else None
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--tier-weights") from None
    try:
        on_date = date.fromisoformat(reference_date) if reference_date else None
    except ValueError:
        raise typer.BadParameter("expected YYYY-MM-DD", param_hint="--reference-date") from None
    with err_console.status(f"evaluating {program} eligibility in {directory} …"):
        eligibility = eligibility_for_dir(directory, program, on_date)
    source = f"{directory.name} ({program})"
    frame = (
        city_need(eligibility, tier_weights=weights_by_tier, source=source)
        if by == "city"
        else need_weights(eligibility, by="district", tier_weights=weights_by_tier, source=source)
    )
    if out is not None:
        write_table(frame, out)
    table = Table(title=f"Need for {program} by {by}")
    for column in frame.columns:
        table.add_column(str(column), justify="left" if column == "region" else "right")
    for row in frame.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    show(table)
    if out is not None:
        err_console.print(f"Wrote {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``quotas`` and ``need`` to the ``matcher`` command line."""
    app.command("quotas")(quotas_command)
    app.command("need")(need_command)
