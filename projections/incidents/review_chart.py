"""The review page's SVG timeline: phase bars, deadline lines, when each was met or missed."""

from datetime import datetime, timedelta
from typing import Any

from projections.incidents.review_text import duration, h

_LEVEL_COLOURS = {"I": "#b71c1c", "II": "#e65100", "III": "#b58900"}
_TICK_MINUTES = (5, 10, 15, 30, 60, 120, 240, 360, 720, 1440, 2880, 10080)


def chart(review: dict[str, Any]) -> str:
    """An SVG timeline: phase bars, deadline lines and when each deadline was met or missed."""
    reported = datetime.fromisoformat(review["reported_at"])
    milestones = {k: datetime.fromisoformat(v) for k, v in review["milestones"].items()}
    phases = {p["name"]: p for p in review["phases"]}

    def moment(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text) if text else None

    assessed = moment(phases["assess"]["to"])
    activated = moment(phases["activate"]["to"])
    generated = datetime.fromisoformat(review["generated_at"])
    points = [reported, *milestones.values()]
    points += [m for m in (assessed, activated) if m]
    for name in ("assess", "activate"):
        if deadline := moment(review["deadlines"][name]):
            points.append(deadline)
    start, end = min(points), max(points)
    end = max(end, start + timedelta(hours=1))
    span = max((end - start).total_seconds(), 60.0)
    left, right, width = 190, 90, 1000
    plot = width - left - right

    def x(when: datetime) -> float:
        return round(left + plot * (when - start).total_seconds() / span, 1)

    open_end = generated if generated > start else end
    bars: list[tuple[str, datetime | None, datetime | None, str]] = [
        (
            "Impact (started → detected)",
            milestones.get("impact_started"),
            milestones.get("detected"),
            "#e67e22",
        ),
        ("Reported → assessed", reported, assessed, "#3b82c4"),
        ("Assessed → activated", assessed, activated, "#6c5ce7"),
        ("Activated → mitigated", activated, milestones.get("mitigated"), "#16a085"),
        (
            "Mitigated → resolved",
            milestones.get("mitigated"),
            milestones.get("resolved"),
            "#27ae60",
        ),
    ]
    row_h, top = 34, 40
    level_row = len(bars)
    height = top + row_h * (len(bars) + 1) + 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Incident timeline">',
        "<style>text{font:12px system-ui,sans-serif;fill:#1d2430}.small{font-size:11px;"
        "fill:#4a5568}</style>",
    ]
    # time axis: ticks on round minutes, at most about eight of them
    step = next((m for m in _TICK_MINUTES if span / 60 / m <= 8), _TICK_MINUTES[-1])
    tick = start.replace(minute=0, second=0, microsecond=0)
    while tick < start:
        tick += timedelta(minutes=step)
    while tick <= end:
        tx = x(tick)
        label = tick.strftime("%H:%M") if step < 1440 else tick.strftime("%m-%d")
        parts.append(
            f'<line x1="{tx}" y1="{top - 8}" x2="{tx}" y2="{height - 48}" stroke="#edf0f5"/>'
            f'<text class="small" x="{tx}" y="{height - 32}" text-anchor="middle">{label}</text>'
        )
        tick += timedelta(minutes=step)
    parts.append(
        f'<text class="small" x="{left}" y="{height - 12}">{start.strftime("%Y-%m-%d")} (UTC)'
        "</text>"
    )
    rx = x(reported)
    parts.append(
        f'<line x1="{rx}" y1="{top - 14}" x2="{rx}" y2="{height - 48}" stroke="#1d2430" '
        f'stroke-width="1.5"/><text class="small" x="{rx}" y="{top - 18}" '
        f'text-anchor="middle">reported {reported.strftime("%H:%M")}</text>'
    )
    for i, (label, begin, finish, colour) in enumerate(bars):
        y = top + i * row_h
        parts.append(f'<text x="10" y="{y + 17}">{h(label)}</text>')
        if begin is None:
            parts.append(f'<text class="small" x="{left + 4}" y="{y + 17}">not recorded</text>')
            continue
        stop = finish or open_end
        bar_w = max(x(stop) - x(begin), 3)
        dash = "" if finish else ' stroke-dasharray="4 3" fill-opacity="0.35"'
        parts.append(
            f'<rect x="{x(begin)}" y="{y + 4}" width="{bar_w}" height="18" rx="3" '
            f'fill="{colour}" stroke="{colour}"{dash}/>'
        )
        took = duration((stop - begin).total_seconds()) + ("" if finish else " so far")
        parts.append(
            f'<text class="small" x="{x(begin) + bar_w + 6}" y="{y + 17}">{h(took)}</text>'
        )
    # the response level over time: one segment per level, from the assessment on
    y = top + level_row * row_h
    parts.append(f'<text x="10" y="{y + 17}">Response level</text>')
    if assessed is not None and review["level"]:
        changes = review["level_changes"]
        level = changes[0]["from"] if changes else review["level"]
        stop_at = milestones.get("resolved") or open_end
        cuts = [(assessed, level)] + [(datetime.fromisoformat(c["at"]), c["to"]) for c in changes]
        for (begin, name), nxt in zip(cuts, [*cuts[1:], (stop_at, "")], strict=True):
            seg_w = max(x(nxt[0]) - x(begin), 3)
            parts.append(
                f'<rect x="{x(begin)}" y="{y + 4}" width="{seg_w}" height="18" '
                f'fill="{_LEVEL_COLOURS.get(name, "#999")}" stroke="#fff"/>'
                f'<text x="{x(begin) + 5}" y="{y + 17}" fill="#fff" '
                f'style="fill:#fff;font-weight:700">{h(name)}</text>'
            )
    else:
        parts.append(f'<text class="small" x="{left + 4}" y="{y + 17}">not assessed</text>')
    # deadlines, and the moment each was met (green) or missed (red)
    for name, label, done in (("assess", "assess", assessed), ("activate", "activate", activated)):
        deadline = moment(review["deadlines"][name])
        if deadline is None:
            continue
        dx = x(deadline)
        parts.append(
            f'<line x1="{dx}" y1="{top - 14}" x2="{dx}" y2="{height - 48}" stroke="#c0392b" '
            'stroke-width="1.5" stroke-dasharray="6 4"/>'
            f'<text class="small" x="{dx}" y="{top - 18}" text-anchor="middle" fill="#c0392b">'
            f"{label} due {deadline.strftime('%H:%M')}</text>"
        )
        if done is not None:
            verdict = phases[name]["verdict"]
            colour = "#1c7c3c" if verdict == "met" else "#c0392b"
            row = 1 if name == "assess" else 2
            cy = top + row * row_h + 13
            parts.append(
                f'<circle cx="{x(done)}" cy="{cy}" r="6" fill="{colour}" stroke="#fff" '
                f'stroke-width="2"><title>{label} {verdict}</title></circle>'
            )
    parts.append("</svg>")
    return "".join(parts)
