"""The report's charts, drawn with matplotlib's object API (no pyplot global state, Agg canvas)
and returned as PNG bytes, so the HTML can embed them as base64 and the Markdown link them."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd

from matcher.fairness.inequality import lorenz_curve

_DPI = 100


def _figure(width: float = 8.0, height: float = 4.5) -> object:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: object) -> bytes:
    from matplotlib.figure import Figure

    assert isinstance(figure, Figure)
    buffer = io.BytesIO()
    # metadata without the software version so the bytes only depend on the data.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def frontier(summary: pd.DataFrame) -> bytes:
    """Total value against the tier-1 placement rate and against justified envy, one point per
    setting (means over seeds)."""
    from matplotlib.figure import Figure

    figure = _figure(10, 4.5)
    assert isinstance(figure, Figure)
    left, right = figure.subplots(1, 2)
    for axes, column, label in (
        (left, "tier1_rate", "tier-1 placement rate"),
        (right, "justified_envy_pairs", "justified envy pairs"),
    ):
        axes.scatter(summary[column], summary["total_value"], color="tab:blue")
        for name, x, y in zip(
            summary["setting"], summary[column], summary["total_value"], strict=True
        ):
            axes.annotate(str(name), (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
        axes.set_xlabel(label)
        axes.set_ylabel("total predicted match value")
        axes.grid(alpha=0.3)
    left.set_title("Efficiency vs priority")
    right.set_title("Efficiency vs justified envy")
    return _png(figure)


def grouped_bars(table: pd.DataFrame, *, group: str, title: str, ylabel: str) -> bytes:
    """Bars of ``value`` per ``group`` (x) and ``setting`` (colour) from a long table."""
    from matplotlib.figure import Figure

    pivot = table.pivot_table(index=group, columns="setting", values="value", sort=False)
    figure = _figure(10, 4.5)
    assert isinstance(figure, Figure)
    axes = figure.subplots()
    n_groups, n_settings = pivot.shape
    width = 0.8 / max(n_settings, 1)
    positions = np.arange(n_groups)
    for i, setting in enumerate(pivot.columns):
        axes.bar(
            positions + i * width, pivot[setting].to_numpy(dtype=float), width, label=str(setting)
        )
    axes.set_xticks(
        positions + width * (n_settings - 1) / 2, [str(g) for g in pivot.index], fontsize=8
    )
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.legend(fontsize=7, ncols=3)
    axes.grid(axis="y", alpha=0.3)
    return _png(figure)


def ordered_bars(values: pd.Series, *, title: str, xlabel: str) -> bytes:
    """Horizontal bars sorted by value (e.g. quota fill per city)."""
    from matplotlib.figure import Figure

    ordered = values.sort_values()
    figure = _figure(8, max(2.5, 0.3 * len(ordered) + 1))
    assert isinstance(figure, Figure)
    axes = figure.subplots()
    axes.barh([str(i) for i in ordered.index], ordered.to_numpy(dtype=float), color="tab:green")
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.grid(axis="x", alpha=0.3)
    return _png(figure)


def lorenz(curves: Sequence[tuple[str, Sequence[float], Sequence[float]]]) -> bytes:
    """Lorenz curves of placements across cities, one line per setting (rates weighted by
    eligible people)."""
    from matplotlib.figure import Figure

    figure = _figure(6, 5)
    assert isinstance(figure, Figure)
    axes = figure.subplots()
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="equality")
    for name, rates, weights in curves:
        population, outcome = lorenz_curve(rates, weights)
        axes.plot(population, outcome, marker=".", label=name)
    axes.set_xlabel("cumulative share of eligible people (cities by placement rate)")
    axes.set_ylabel("cumulative share of placements")
    axes.set_title("Lorenz curves of placement across cities")
    axes.legend(fontsize=7)
    axes.grid(alpha=0.3)
    return _png(figure)


def heat_maps(tables: Sequence[tuple[str, pd.DataFrame]]) -> bytes:
    """City × tier placement-rate heat maps, one panel per setting (NaN cells left blank)."""
    from matplotlib.figure import Figure

    n = max(len(tables), 1)
    columns = min(3, n)
    rows = (n + columns - 1) // columns
    figure = _figure(4.2 * columns, 3.6 * rows)
    assert isinstance(figure, Figure)
    grid = figure.subplots(rows, columns, squeeze=False)
    image = None
    for index, (name, table) in enumerate(tables):
        axes = grid[index // columns][index % columns]
        image = axes.imshow(
            table.to_numpy(dtype=float), vmin=0, vmax=1, cmap="viridis", aspect="auto"
        )
        axes.set_title(name, fontsize=9)
        axes.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], fontsize=7)
        axes.set_yticks(range(table.shape[0]), [str(r) for r in table.index], fontsize=7)
        axes.set_xlabel("tier", fontsize=8)
    for index in range(len(tables), rows * columns):
        grid[index // columns][index % columns].set_visible(False)
    if image is not None:
        figure.colorbar(image, ax=grid.ravel().tolist(), shrink=0.8, label="placement rate")
    return _png(figure)
