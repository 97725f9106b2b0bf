"""The report: it renders, embeds its charts (no external asset), writes Markdown and CSV beside
the HTML, keeps empty groups, and its summary sentences follow the numbers."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.reports.bench import SETTINGS, Instance, preset_comparison, run_benchmark
from matcher.reports.output import write_files
from matcher.reports.report import group_rates_with_ci, report_files, summary_lines


def _instance(seed: int) -> Instance:
    """40 seekers in 3 cities, 6 posts with 12 places, 3 candidates each (seeded)."""
    rng = np.random.default_rng(seed)
    n = 40
    cities = np.array(["2101", "2102", "2103"])
    seekers = pd.DataFrame(
        {
            "seeker_id": [f"S{i:03d}" for i in range(n)],
            "tier": rng.integers(1, 4, n),
            "lottery": rng.permutation(n),
            "family_id": [f"F{i // 2:03d}" for i in range(n)],
            "zero_employment": (np.arange(n) // 2 % 5 == 0).astype(int),
            "city": cities[np.arange(n) % 3],
            "sex": np.where(rng.random(n) < 0.5, "F", "M"),
            "groups": np.where(np.arange(n) % 4 == 0, "disabled", "age_4050"),
        }
    )
    posts = pd.DataFrame(
        {"post_id": [f"P{j}" for j in range(6)], "capacity": 2, "city": cities[np.arange(6) % 3]}
    )
    rows = [
        (f"S{i:03d}", f"P{j}", round(float(rng.random()), 6))
        for i in range(n)
        for j in rng.choice(6, 3, replace=False)
    ]
    candidates = pd.DataFrame(rows, columns=["seeker_id", "post_id", "score"])
    need = seekers["city"].value_counts().to_dict()
    return Instance(
        seed=seed,
        scale="test",
        program="welfare",
        seekers=seekers,
        posts=posts,
        candidates=candidates,
        need={c: int(need.get(c, 0)) for c in sorted(set(posts["city"]))},
        candidate_source="test",
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    result = run_benchmark([_instance(0), _instance(1)])
    report = report_files(result, command="test")
    directory = tmp_path_factory.mktemp("report")
    write_files(report, directory)
    return directory, dict(report)


def test_html_is_self_contained_and_embeds_every_chart(
    written: tuple[Path, dict[str, object]],
) -> None:
    directory, files = written
    html = (directory / "fairness-report.html").read_text(encoding="utf-8")
    charts = sorted(name for name in files if name.startswith("fairness-chart-"))
    assert len(charts) >= 5  # frontier, rates by tier and city, quota fill, Lorenz, heat map
    embedded = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(embedded) == len(charts)
    for data in embedded:
        assert base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n")
    # Nothing is fetched from elsewhere: no remote src/href, no external script or stylesheet.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html and "<link" not in html
    for anchor in ("summary", "mechanisms", "price", "groups", "apportionment", "provenance"):
        assert f'id="{anchor}"' in html


def test_markdown_and_csv_lie_beside_the_html(written: tuple[Path, dict[str, object]]) -> None:
    directory, files = written
    markdown = (directory / "fairness-report.md").read_text(encoding="utf-8")
    for name in files:
        if name.startswith("fairness-chart-"):
            assert f"]({name})" in markdown
            assert (directory / name).read_bytes().startswith(b"\x89PNG")
    runs = pd.read_csv(directory / "fairness_runs.csv")
    assert len(runs) == 2 * len(SETTINGS)
    assert set(runs["setting"]) == {s.name for s in SETTINGS}
    optimal = runs[runs["setting"] == "optimal"]
    assert (optimal["price_of_fairness"].abs() < 1e-9).all()
    # optimal maximises the total value: every other setting's price is >= 0.
    ok = runs[runs["status"] == "ok"]
    assert (ok["price_of_fairness"] >= -1e-6).all()
    # stable is envy-free, whatever the instance.
    assert (runs.loc[runs["setting"] == "stable", "justified_envy_pairs"] == 0).all()
    groups = pd.read_csv(directory / "fairness_groups.csv")
    rated = groups.dropna(subset=["placement_rate"])
    assert (
        (rated["ci_low"] <= rated["placement_rate"] + 1e-12)
        & (rated["placement_rate"] <= rated["ci_high"] + 1e-12)
    ).all()
    audit = pd.read_csv(directory / "fairness_audit_methods.csv")
    assert {"loosemore_hanby", "gallagher", "alabama_seats_+1"} <= set(audit.columns)
    for name in ("fairness_summary.csv", "fairness_ranks.csv", "fairness_quota_fill.csv"):
        assert not pd.read_csv(directory / name).empty


def test_empty_groups_are_kept_with_no_rate() -> None:
    groups = pd.DataFrame(
        {
            "setting": ["a", "a"],
            "seed": [0, 0],
            "by": ["tier", "tier"],
            "group": ["1", "2"],
            "eligible": [10, 0],
            "placed": [4, 0],
        }
    )
    rows = group_rates_with_ci(groups, samples=500).set_index("group").to_dict(orient="index")
    assert rows["1"]["placement_rate"] == 0.4
    assert rows["1"]["ci_low"] <= 0.4 <= rows["1"]["ci_high"]
    assert np.isnan(rows["2"]["placement_rate"]) and bool(rows["2"]["small"])


def _summary(stable_price: float, stable_envy: float) -> pd.DataFrame:
    base = {
        "runs_ok": 1,
        "runs_failed": 0,
        "placed": 10.0,
        "placement_rate": 0.5,
        "total_value": 100.0,
        "tier1_rate": 0.5,
        "seekers_with_justified_envy": 0.0,
        "wasteful_pairs": 0.0,
        "family_coverage": 0.5,
        "gini_placement_rate": 0.1,
    }
    rows = [
        {
            **base,
            "setting": "optimal",
            "price_of_fairness_relative": 0.0,
            "justified_envy_pairs": 7.0,
        },
        {
            **base,
            "setting": "stable",
            "price_of_fairness_relative": stable_price,
            "justified_envy_pairs": stable_envy,
            "total_value": 100.0 * (1 - stable_price),
        },
    ]
    return pd.DataFrame(rows)


def test_summary_sentences_follow_the_numbers() -> None:
    lines = summary_lines(_summary(0.021, 0.0))
    stable = next(line for line in lines if line.startswith("`stable`"))
    assert "0 justified-envy pairs" in stable
    assert "costs 2.1 % of value against `optimal`" in stable
    assert any("`stable` keeps the most value, 97.9 %" in line for line in lines)
    changed = summary_lines(_summary(0.105, 3.0))
    stable = next(line for line in changed if line.startswith("`stable`"))
    assert "costs 10.5 % of value" in stable and "3 justified-envy pairs" in stable
    assert not any("keeps the most value" in line and "`stable`" in line for line in changed)


def test_presets_are_compared_by_group_and_reported(tmp_path: Path) -> None:
    # The same people under two priority orders: tiers as drawn ("notice") and reversed.
    notice = _instance(0)
    reversed_tiers = notice.seekers.assign(tier=4 - notice.seekers["tier"])
    listing = Instance(**{**notice.__dict__, "seekers": reversed_tiers, "preset": "listing_order"})
    table = preset_comparison([notice, listing])
    assert list(table.columns) == [
        "group", "name", "eligible", "placed_notice", "rate_notice",
        "placed_listing_order", "rate_listing_order",
    ]  # fmt: skip
    rows = table.set_index("group")
    assert rows.loc["disabled", "name"] == "处于失业状态的残疾人"
    # Each person is in one of the `groups`; the 0/1 zero_employment column is a group too.
    assert rows.loc[["age_4050", "disabled"], "eligible"].sum() == len(notice.seekers)
    for preset in ("notice", "listing_order"):
        assert (rows[f"placed_{preset}"] <= rows["eligible"]).all()
    result = run_benchmark([notice])
    result.presets = table
    files = report_files(result)
    assert "fairness_presets.csv" in files
    assert "Priority presets: placements by group" in str(files["fairness-report.md"])
    assert "placed_listing_order" in str(files["fairness-report.html"])


def test_report_is_chinese_first_names_cities_and_prints_on_a4(
    written: tuple[Path, dict[str, object]],
) -> None:
    directory, _ = written
    html = (directory / "fairness-report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "@page { size: A4" in html
    assert "结论 What the numbers say" in html and "公平的代价 Price of fairness" in html
    # Cities by name in the report, by code in the CSV beside it.
    assert "沈阳 Shenyang" in html and "第 1 档 tier 1" in html
    groups = pd.read_csv(directory / "fairness_groups.csv", dtype={"group": str})
    assert "2101" in set(groups.loc[groups["by"] == "city", "group"])
    assert "Mean ± standard deviation over 2 seeds" in html


def test_single_allocation_report_has_no_one_point_frontier() -> None:
    result = run_benchmark([_instance(0)], settings=[SETTINGS[3]])  # optimal, one seed
    files = report_files(result)
    assert not any(name.startswith("fairness-chart-frontier") for name in files)
    assert "over 1 seeds" not in str(files["fairness-report.html"])
    assert "no spread to show" in str(files["fairness-report.html"])
