"""SVG charts drawn on the server: horizontal bars with an optional target line.

Plain SVG markup, every text escaped; nothing to run in the browser and nothing fetched.
"""

from collections.abc import Callable, Sequence
from html import escape

_BAR = "#3b82c4"
_MISSED = "#c0392b"


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float | None]],
    *,
    label: Callable[[float], str],
    target: float | None = None,
    higher_is_better: bool = True,
    scale: float | None = None,
) -> str:
    """One bar per (name, value); a dashed line at `target`, and bars that miss it in red."""
    left, right, width, row_h, top = 170, 80, 720, 26, 34
    plot = width - left - right
    values = [v for _, v in bars if v is not None]
    top_value = scale or max([*values, target or 0.0, 1e-9])
    height = top + row_h * max(len(bars), 1) + (28 if target is not None else 16)

    def x(value: float) -> float:
        return round(left + plot * min(value, top_value) / top_value, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="0" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    if not bars:
        parts.append(f'<text x="{left}" y="{top + 16}" font-size="12">no data</text>')
    for index, (name, value) in enumerate(bars):
        y = top + index * row_h
        parts.append(
            f'<text x="{left - 8}" y="{y + 16}" font-size="12" text-anchor="end">'
            f"{escape(name)}</text>"
        )
        if value is None:
            parts.append(f'<text x="{left + 4}" y="{y + 16}" font-size="12">-</text>')
            continue
        missed = target is not None and (value < target if higher_is_better else value > target)
        parts.append(
            f'<rect x="{left}" y="{y + 4}" width="{max(x(value) - left, 1)}" height="{row_h - 8}" '
            f'fill="{_MISSED if missed else _BAR}"/>'
        )
        parts.append(
            f'<text x="{x(value) + 4}" y="{y + 16}" font-size="12">{escape(label(value))}</text>'
        )
    if target is not None:
        tx = x(target)
        parts.append(
            f'<line x1="{tx}" y1="{top - 6}" x2="{tx}" y2="{height - 10}" stroke="#333" '
            'stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{tx}" y="{height - 4}" font-size="11" text-anchor="middle">'
            f"target {escape(label(target))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def percent(value: float) -> str:
    return f"{value * 100:.0f} %"


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def count(value: float) -> str:
    return f"{value:.0f}"
