"""The fairness report: tables, charts and a plain-language summary, as HTML, Markdown and CSV.

The HTML is self-contained (charts embedded as base64 PNG, styles inline, no external asset); the
Markdown links the same charts as PNG files written beside it; every table is also a CSV. The
summary sentences are rendered by a Jinja2 template from the computed numbers: no sentence is
written by hand.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher import reference
from matcher.fairness.metrics import FairnessMeasures
from matcher.reports.bench import (
    BASELINE,
    FOCUS_TIER,
    POLICY_SETTING,
    BenchResult,
    RunRecord,
    Setting,
)

TEMPLATES = Path(__file__).parent / "templates"
#: Groups with fewer eligible people than this are flagged "small" (their rates are noisy).
SMALL_GROUP = 30
#: Bootstrap resamples of the group rates' confidence intervals.
BOOTSTRAP_SAMPLES = 2000
#: Metrics of the mechanism table, in order, with how they are shown.
SUMMARY_METRICS: dict[str, str] = {
    "placed": "placed",
    "placement_rate": "placement rate",
    "total_value": "total value",
    "mean_value": "mean value of the placed",
    "price_of_fairness": "price of fairness (value lost vs optimal)",
    "price_of_fairness_relative": "price of fairness, relative",
    "tier1_rate": "tier-1 placement rate",
    "justified_envy_pairs": "justified envy pairs",
    "seekers_with_justified_envy": "seekers with justified envy",
    "wasteful_pairs": "wasteful pairs",
    "unused_capacity": "unused places",
    "family_coverage": "zero-employment families covered (share)",
    "floor_shortfall": "floor shortfall",
    "first_choice_share": "placed at their first choice (share)",
    "min_city_quota_fill": "lowest city quota fill",
    "gini_placement_rate": "Gini of city placement rates",
    "atkinson_0.5_placement_rate": "Atkinson ε=0.5",
    "atkinson_1_placement_rate": "Atkinson ε=1",
    "atkinson_2_placement_rate": "Atkinson ε=2",
    "theil_placement": "Theil of placements",
    "theil_placement_between_city": "Theil, between cities",
    "theil_placement_within_city": "Theil, within cities",
    "solver_seconds": "solver seconds",
    "measure_seconds": "measuring seconds",
}


def summarise_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and spread over seeds of every metric, one row per setting (settings in run order).

    Columns: ``setting``, ``mechanism``, ``constraints``, ``runs_ok``, ``runs_failed``, then
    ``<metric>`` (mean), ``<metric>_sd`` (standard deviation over seeds, 0 for one seed),
    ``<metric>_min`` and ``<metric>_max``.
    """
    if runs.empty:
        return pd.DataFrame()
    order = list(dict.fromkeys(runs["setting"]))
    rows = []
    for setting in order:
        part = runs[runs["setting"] == setting]
        ok = part[part["status"] == "ok"]
        row: dict[str, Any] = {
            "setting": setting,
            "mechanism": part["mechanism"].iloc[0],
            "constraints": part["constraints"].iloc[0],
            "runs_ok": len(ok),
            "runs_failed": len(part) - len(ok),
        }
        for metric in SUMMARY_METRICS:
            values = (
                pd.to_numeric(ok[metric], errors="coerce").dropna()
                if metric in ok
                else pd.Series(dtype=float)
            )
            row[metric] = float(values.mean()) if len(values) else math.nan
            row[f"{metric}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
            row[f"{metric}_min"] = float(values.min()) if len(values) else math.nan
            row[f"{metric}_max"] = float(values.max()) if len(values) else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def group_rates_with_ci(
    groups: pd.DataFrame, *, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0
) -> pd.DataFrame:
    """Group placement rates pooled over seeds with 95 % bootstrap confidence intervals.

    Resampling the people of a group with replacement and taking the share placed is drawing a
    binomial count, so each interval is the 2.5th–97.5th percentile of ``samples`` binomial draws
    at the pooled rate. Empty groups keep their row (no rate, no interval); groups with fewer than
    :data:`SMALL_GROUP` people are flagged ``small``.
    """
    columns = [
        "setting",
        "by",
        "group",
        "seeds",
        "eligible",
        "placed",
        "placement_rate",
        "ci_low",
        "ci_high",
        "small",
    ]
    if groups.empty:
        return pd.DataFrame(columns=columns)
    pooled = (
        groups.groupby(["setting", "by", "group"], sort=False)
        .agg(seeds=("seed", "nunique"), eligible=("eligible", "sum"), placed=("placed", "sum"))
        .reset_index()
    )
    rng = np.random.default_rng(seed)
    n = pooled["eligible"].to_numpy(dtype=np.int64)
    placed = pooled["placed"].to_numpy(dtype=np.int64)
    rate = np.where(n > 0, placed / np.maximum(n, 1), np.nan)
    draws = rng.binomial(np.maximum(n, 1)[:, None], np.nan_to_num(rate)[:, None], (len(n), samples))
    shares = draws / np.maximum(n, 1)[:, None]
    low = np.where(n > 0, np.percentile(shares, 2.5, axis=1), np.nan)
    high = np.where(n > 0, np.percentile(shares, 97.5, axis=1), np.nan)
    pooled["placement_rate"] = rate
    pooled["ci_low"] = low
    pooled["ci_high"] = high
    pooled["small"] = n < SMALL_GROUP
    return pooled[columns]


# --------------------------------------------------------------------------------------------
# text


def _percent(value: float, digits: int = 1) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{100 * value:.{digits}f} %"


def _number(value: float, digits: int = 5) -> str:
    """Counts with thousands separators, large means to one decimal, small numbers to ``digits``
    significant digits; never an exponent for figures people count."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    if abs(value) < 1e-12:
        return "0"
    return f"{value:.{digits}g}"


def _count(value: float) -> str:
    """A count, or a mean of counts over seeds, as a whole number."""
    return "n/a" if value is None or not math.isfinite(value) else f"{round(value):,}"


def _code(text: str) -> Any:
    """Escape text for HTML and show `backticked` names as code."""
    from markupsafe import Markup, escape

    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


def _spread(value: float) -> str:
    """A standard deviation: two significant digits, whole numbers with separators when large."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2g}"


def _environment() -> Any:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["percent"] = _percent
    environment.filters["number"] = _number
    environment.filters["count"] = _count
    environment.filters["code"] = _code
    return environment


def _extreme(table: pd.DataFrame, column: str, *, largest: bool) -> dict[str, Any]:
    """The row with the largest (or smallest) value of ``column``; the first in order on ties."""
    ordered = table.sort_values(column, ascending=not largest, kind="stable", na_position="last")
    return {str(k): v for k, v in ordered.iloc[0].to_dict().items()}


def summary_facts(summary: pd.DataFrame) -> dict[str, Any]:
    """The numbers the plain-language summary is generated from."""
    ok = summary[summary["runs_ok"] > 0]
    seeds = int((summary["runs_ok"] + summary["runs_failed"]).max()) if len(summary) else 0
    facts: dict[str, Any] = {
        "settings": ok.to_dict(orient="records"),
        "has_baseline": False,
        "seeds": seeds,
    }
    if ok.empty:
        return facts
    baseline = ok[ok["setting"] == BASELINE]
    facts["has_baseline"] = not baseline.empty
    if not baseline.empty:
        facts["baseline"] = baseline.iloc[0].to_dict()
    no_envy = ok[ok["justified_envy_pairs"] == 0]
    if not no_envy.empty:
        cheapest = no_envy.sort_values("total_value", ascending=False).iloc[0]
        facts["cheapest_no_envy"] = cheapest.to_dict()
    if ok["tier1_rate"].notna().any():
        facts["best_tier1"] = _extreme(ok, "tier1_rate", largest=True)
        facts["worst_tier1"] = _extreme(ok, "tier1_rate", largest=False)
    full_families = ok[ok["family_coverage"] >= 1.0]
    if not full_families.empty:
        facts["families_full"] = (
            full_families.sort_values("total_value", ascending=False).iloc[0].to_dict()
        )
    if ok["gini_placement_rate"].notna().any():
        facts["most_equal_cities"] = _extreme(ok, "gini_placement_rate", largest=False)
        facts["least_equal_cities"] = _extreme(ok, "gini_placement_rate", largest=True)
    failed = summary[summary["runs_failed"] > 0]
    facts["failed"] = failed.to_dict(orient="records")
    return facts


def summary_lines(summary: pd.DataFrame) -> list[str]:
    """The plain-language summary, one sentence per line, rendered from ``summary.j2``."""
    text = _environment().get_template("summary.j2").render(**summary_facts(summary))
    return [line.strip() for line in text.splitlines() if line.strip()]


def _markdown_table(frame: pd.DataFrame, formats: Mapping[str, str] | None = None) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency)."""
    formats = formats or {}

    def cell(column: str, value: object) -> str:
        if isinstance(value, float):
            if not math.isfinite(value):
                return ""
            style = formats.get(column)
            return _percent(value) if style == "percent" else _number(value)
        return str(value).replace("|", "\\|")

    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = [
        "| " + " | ".join(cell(str(c), v) for c, v in zip(frame.columns, row, strict=True)) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])


def _html_table(frame: pd.DataFrame) -> str:
    def show(value: object) -> str:
        if isinstance(value, float):
            return "" if not math.isfinite(value) else _number(value)
        return str(value)

    return frame.to_html(
        index=False,
        classes="data",
        border=0,
        formatters=None,
        na_rep="",
        float_format=lambda v: show(v),
    )


# --------------------------------------------------------------------------------------------
# tables and charts of a result


def _mechanism_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Setting × metric, each cell ``mean ± sd``."""
    rows = []
    for record in summary.to_dict(orient="records"):
        row = {
            "setting": record["setting"],
            "runs": f"{record['runs_ok']}/{record['runs_ok'] + record['runs_failed']}",
        }
        for metric, label in SUMMARY_METRICS.items():
            mean, sd = record[metric], record[f"{metric}_sd"]
            row[label] = (
                ""
                if not math.isfinite(mean)
                else (_number(mean) if sd == 0 else f"{_number(mean)} ± {_spread(sd)}")
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _mean_rates(groups: pd.DataFrame, by: str) -> pd.DataFrame:
    part = groups[groups["by"] == by]
    pooled = (
        part.groupby(["setting", "group"], sort=False)[["eligible", "placed"]].sum().reset_index()
    )
    pooled["value"] = pooled["placed"] / pooled["eligible"].where(pooled["eligible"] > 0)
    return pooled


def _city_tier_tables(result: BenchResult) -> list[tuple[str, pd.DataFrame]]:
    """Placement rate per (city, tier) per setting, pooled over seeds; from the run records."""
    tables = []
    for setting in result.settings:
        eligible: pd.Series | None = None
        placed: pd.Series | None = None
        for record in result.records:
            if record.setting.name != setting.name or record.measures is None:
                continue
            cells = record.measures.city_tier
            if cells.empty:
                continue
            eligible = (
                cells["eligible"]
                if eligible is None
                else eligible.add(cells["eligible"], fill_value=0)
            )
            placed = (
                cells["placed"] if placed is None else placed.add(cells["placed"], fill_value=0)
            )
        if eligible is None or placed is None:
            continue
        rate = (placed / eligible.where(eligible > 0)).unstack("tier")
        tables.append((setting.name, rate))
    return tables


def _lorenz_inputs(result: BenchResult) -> list[tuple[str, list[float], list[float]]]:
    curves = []
    for setting in result.settings:
        tables = [
            r.measures.breakdowns["city"]
            for r in result.records
            if r.setting.name == setting.name
            and r.measures is not None
            and "city" in r.measures.breakdowns
        ]
        if not tables:
            continue
        pooled = pd.concat(tables).groupby("group")[["eligible", "placed"]].sum()
        pooled = pooled[pooled["eligible"] > 0]
        curves.append(
            (
                setting.name,
                (pooled["placed"] / pooled["eligible"]).tolist(),
                pooled["eligible"].tolist(),
            )
        )
    return curves


def build_charts(result: BenchResult, summary: pd.DataFrame) -> dict[str, tuple[str, bytes]]:
    """Chart name → (caption, PNG bytes)."""
    from matcher.reports import charts

    groups = result.groups_frame()
    output: dict[str, tuple[str, bytes]] = {}
    ok = summary[summary["runs_ok"] > 0]
    if len(ok) > 1:  # one point is no frontier (the report of a single allocation)
        output["frontier"] = (
            "Efficiency–fairness frontier: total predicted match value against the tier-1 "
            "placement rate and against justified envy (means over seeds), one point per "
            "mechanism and constraint setting.",
            charts.frontier(ok),
        )
    if not groups.empty:
        for by, caption in (
            ("tier", "Placement rate by priority tier"),
            ("city", "Placement rate by city"),
        ):
            rates = _mean_rates(groups, by)
            if not rates.empty:
                output[f"rate_by_{by}"] = (
                    f"{caption}, per mechanism (pooled over seeds).",
                    charts.grouped_bars(
                        rates, group="group", title=caption, ylabel="placement rate"
                    ),
                )
    fill = result.quota_fill_frame()
    if not fill.empty:
        reference = (
            fill[fill["setting"] == BASELINE] if (fill["setting"] == BASELINE).any() else fill
        )
        per_city = reference.groupby("city")["fill_rate"].mean()
        output["quota_fill"] = (
            f"Quota fill per city under `{reference['setting'].iloc[0]}` (placed / city quota, "
            "mean over seeds), ordered.",
            charts.ordered_bars(per_city, title="City quota fill", xlabel="placed / quota"),
        )
        rates = fill.groupby(["setting", "city"], sort=False)["fill_rate"].mean().reset_index()
        output["quota_fill_by_setting"] = (
            "Quota fill per city and mechanism.",
            charts.grouped_bars(
                rates.rename(columns={"fill_rate": "value"}),
                group="city",
                title="City quota fill by mechanism",
                ylabel="placed / quota",
            ),
        )
    curves = _lorenz_inputs(result)
    if curves:
        output["lorenz"] = (
            "Lorenz curves of placement across the seekers' cities (a curve on the diagonal "
            "means every city has the same placement rate).",
            charts.lorenz(curves),
        )
    heat = _city_tier_tables(result)
    if heat:
        output["city_tier"] = (
            "Placement rate by city (rows) and tier (columns), per mechanism.",
            charts.heat_maps(heat),
        )
    return output


def _provenance_lines(result: BenchResult, command: str) -> list[str]:
    p = result.provenance
    lines = [f"command: `{command}`"] if command else []
    if p:
        lines.append(
            f"scale: {p.get('scale', '')}, program: {p.get('program', '')}, "
            f"seeds: {', '.join(str(s) for s in p.get('seeds', []))}, "
            f"candidates: {p.get('candidate_source', '')}"
        )
        lines.append("versions: " + ", ".join(f"{k} {v}" for k, v in p.get("versions", {}).items()))
        for seed, digest in p.get("data_hashes", {}).items():
            lines.append(f"data hash (seed {seed}): sha256 {digest}")
    return lines


def _named_groups(groups: pd.DataFrame) -> pd.DataFrame:
    """The group table as a person reads it: cities by name (沈阳 Shenyang), tiers as 第 1 档;
    the CSV keeps the codes."""
    if groups.empty or "by" not in groups.columns:
        return groups
    named = groups.copy()
    city = named["by"] == "city"
    named.loc[city, "group"] = [reference.city_label(str(c)) for c in named.loc[city, "group"]]
    tier = named["by"] == "tier"
    named.loc[tier, "group"] = [f"第 {t} 档 tier {t}" for t in named.loc[tier, "group"]]
    return named


def report_files(
    result: BenchResult, *, command: str = "", title: str | None = None
) -> dict[str, str | bytes | pd.DataFrame]:
    """Every file of the report: ``fairness-report.html`` (self-contained),
    ``fairness-report.md`` (+ its ``fairness-chart-*.png``), and the CSV tables.

    Parameters
    ----------
    result : BenchResult
    command : str
        The command that produced the result (shown for reproduction).
    title : str, optional
        Report title.
    """
    runs = result.runs_frame()
    summary = summarise_runs(runs)
    groups = result.groups_frame()
    group_ci = group_rates_with_ci(groups)
    ranks = result.ranks_frame()
    fill = result.quota_fill_frame()
    lines = summary_lines(summary) if not summary.empty else []
    charts = build_charts(result, summary)
    mechanism_table = _mechanism_table(summary) if not summary.empty else pd.DataFrame()
    rank_table = (
        ranks.groupby(["setting", "rank"], sort=False)["placed"]
        .mean()
        .unstack("rank")
        .reset_index()
        if not ranks.empty
        else pd.DataFrame()
    )
    failed = (
        runs[runs["status"] != "ok"][["setting", "seed", "status", "message"]]
        if not runs.empty
        else pd.DataFrame()
    )
    price = (
        summary[
            [
                "setting",
                "constraints",
                "total_value",
                "price_of_fairness",
                "price_of_fairness_relative",
            ]
        ]
        if not summary.empty and (summary["setting"] == BASELINE).any()
        else pd.DataFrame()
    )
    audit = result.audit
    context = {
        "title": title or f"Fairness benchmark — {result.scale or 'allocation'}",
        "summary_lines": lines,
        "provenance": _provenance_lines(result, command),
        "instances": pd.DataFrame(result.instances),
        "mechanism_table": mechanism_table,
        "price": price,
        "group_ci": group_ci,
        "rank_table": rank_table,
        "audit_cities": None if audit is None else audit.cities,
        "audit_methods": None if audit is None else audit.methods,
        "failed": failed,
        "charts": charts,
        "focus_tier": FOCUS_TIER,
        "small_group": SMALL_GROUP,
        "presets": result.presets,
        "policy_setting": POLICY_SETTING.name,
        "group_display": _named_groups(group_ci),
        "seeds": len(result.seeds),
    }
    environment = _environment()
    environment.filters["html_table"] = _html_table
    environment.filters["md_table"] = _markdown_table
    environment.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    html = environment.get_template("report.html.j2").render(**context)
    markdown = environment.get_template("report.md.j2").render(**context)
    files: dict[str, str | bytes | pd.DataFrame] = {
        "fairness-report.html": html,
        "fairness-report.md": markdown,
        "fairness_runs.csv": runs,
        "fairness_summary.csv": summary,
        "fairness_groups.csv": group_ci,
        "fairness_groups_by_seed.csv": groups,
        "fairness_ranks.csv": ranks,
        "fairness_quota_fill.csv": fill,
        "fairness_provenance.json": json.dumps(result.provenance, indent=2, ensure_ascii=False),
    }
    if not result.presets.empty:
        files["fairness_presets.csv"] = result.presets
    if audit is not None:
        files["fairness_audit_cities.csv"] = audit.cities
        files["fairness_audit_methods.csv"] = audit.methods
    for name, (_, png) in charts.items():
        files[f"fairness-chart-{name}.png"] = png
    return files


def single_result(measures: FairnessMeasures, label: str) -> BenchResult:
    """A one-run :class:`BenchResult` for the report of one measured allocation."""
    setting = Setting(label, "given")
    record = RunRecord(setting, 0, "ok", "", measures, objective=measures.total_value)
    quotas = {0: dict(zip(measures.quota_fill["city"], measures.quota_fill["quota"], strict=True))}
    return BenchResult(
        scale="", seeds=[0], settings=[setting], records=[record], instances=[], city_quotas=quotas
    )


def single_report_files(
    measures: FairnessMeasures, *, label: str = "allocation"
) -> dict[str, str | bytes | pd.DataFrame]:
    """The report of one allocation (``matcher fairness --out``): the HTML/Markdown report with
    its charts, ``fairness.json`` and the tables as CSV."""
    files = report_files(single_result(measures, label), title=f"Fairness of {label}")
    breakdowns = pd.concat(list(measures.breakdowns.values()), ignore_index=True)
    files.update(
        {
            "fairness.json": json.dumps(
                measures.to_dict(), ensure_ascii=False, indent=2, allow_nan=False
            ),
            "fairness_breakdowns.csv": breakdowns,
            "fairness_unused_by_post.csv": measures.unused_by_post,
            "fairness_unused_by_city.csv": measures.unused_by_city,
            "fairness_floors.csv": measures.floors,
        }
    )
    return files
