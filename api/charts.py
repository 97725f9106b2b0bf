"""Charts drawn on the server as inline SVG: no JavaScript, no build step, no vendored library."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

_BAR = 22
_GAP = 6
_LABEL_WIDTH = 150
_PLOT_WIDTH = 360


def bar_chart(
    title: str, bars: Sequence[tuple[str, float, str]], *, chart_id: str, color: str = "#2f6fb0"
) -> Markup:
    """Horizontal bars of rates in [0, 1]: ``(label, value, text shown after the bar)``."""
    height = 30 + len(bars) * (_BAR + _GAP)
    width = _LABEL_WIDTH + _PLOT_WIDTH + 90
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
    ]
    for index, (label, value, note) in enumerate(bars):
        y = 26 + index * (_BAR + _GAP)
        filled = max(0.0, min(1.0, value)) * _PLOT_WIDTH
        parts.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{_PLOT_WIDTH}" height="{_BAR}" '
            'fill="#e6ebf1"/>'
            f'<rect class="bar" x="{_LABEL_WIDTH}" y="{y}" width="{filled:.1f}" height="{_BAR}" '
            f'fill="{escape(color)}"><title>{escape(label)}: {escape(note)}</title></rect>'
            f'<text x="{_LABEL_WIDTH + _PLOT_WIDTH + 6}" y="{y + 15}">{escape(note)}</text>'
        )
    if not bars:
        parts.append('<text x="0" y="44">no data yet</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
