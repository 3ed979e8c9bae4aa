"""What both renderings of the incident review share: durations, times, verdicts, escaping.

The review is rendered as Markdown (`review_markdown`) or as one printable HTML page
(`review_html`, with its SVG timeline in `review_chart`), both from the dictionary
`build_review` returns.
"""

from datetime import datetime
from html import escape
from typing import Any


def duration(seconds: float | None) -> str:
    """`1 h 05 min`, `45 min`, `2 d 3 h`, or `-` when not measured."""
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else ""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{sign}{days} d {hours} h"
    if hours:
        return f"{sign}{hours} h {mins:02d} min"
    return f"{sign}{mins} min"


def when(text: str | None) -> str:
    """An ISO time as `2026-01-31 14:05 UTC`, or `-`."""
    if not text:
        return "-"
    return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M UTC")


VERDICT = {"met": "met", "missed": "MISSED", "pending": "pending", None: ""}


def linked(complaint: dict[str, Any]) -> str:
    """A linked complaint's line: reference and status, and whether its handling is shown."""
    line = f"{complaint['reference']} ({complaint['status']})"
    if not complaint["timeline_shown"]:
        line += " (outside your scope: reference and status only)"
    return line


def h(text: Any) -> str:
    """User text escaped for HTML."""
    return escape("" if text is None else str(text), quote=True)


def who(review: dict[str, Any], staff_id: str | None) -> str:
    """A staff id with its display name beside it (`Iris Wong (im-1)`), or the id alone when
    the staff directory lacks it; `-` for nobody. Not escaped: each rendering escapes."""
    if not staff_id:
        return "-"
    name = review.get("staff_names", {}).get(staff_id)
    return f"{name} ({staff_id})" if name else staff_id
