"""The review document as a manager circulates it: Markdown, or one printable HTML page.

Both render the dictionary `build_review` returns. The HTML page is self-contained (inline CSS
and SVG, no scripts, no external resources) and escapes every piece of user text.
"""

from datetime import datetime, timedelta
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


def _when(text: str | None) -> str:
    if not text:
        return "-"
    return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M UTC")


_VERDICT = {"met": "met", "missed": "MISSED", "pending": "pending", None: ""}


# -- Markdown ---------------------------------------------------------------------------------


def _md(text: Any) -> str:
    """Keep user text from breaking a table row or starting markup."""
    value = "" if text is None else str(text)
    value = value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for character in "*`[]<>":
        value = value.replace(character, "\\" + character)
    return value


def _linked(complaint: dict[str, Any]) -> str:
    """A linked complaint's line: reference and status, and whether its handling is shown."""
    line = f"{complaint['reference']} ({complaint['status']})"
    if not complaint["timeline_shown"]:
        line += " (outside your scope: reference and status only)"
    return line


def render_markdown(review: dict[str, Any]) -> str:
    out: list[str] = []
    add = out.append
    add(f"# Post-incident review {review['reference']}: {_md(review['title'])}")
    add("")
    add(f"- Status: {review['status']}; level: {review['level'] or '-'}")
    add(f"- Reported: {_when(review['reported_at'])} by {_md(review['reported_by'])}")
    add(f"- Impact: {_md(review['impact'] or '-')}")
    counts = review["counts"]
    add(
        f"- Affected customers: {counts['affected_customers']}; linked complaints: "
        f"{counts['linked_complaints']}; escalations: {counts['escalations']}; "
        f"handoffs: {counts['handoffs']}"
    )
    add(f"- Departments: {', '.join(_md(d) for d in review['departments']) or '-'}")
    add(f"- Generated: {_when(review['generated_at'])}")
    add("")
    add("## Phases and deadlines")
    add("")
    add("| phase | from | to | took | deadline | verdict |")
    add("|---|---|---|---|---|---|")
    for p in review["phases"]:
        add(
            f"| {p['label']} | {_when(p['from'])} | {_when(p['to'])} | {duration(p['seconds'])} "
            f"| {_when(p['deadline'])} | {_VERDICT[p['verdict']]} |"
        )
    if review["level_changes"]:
        add("")
        add("## Level changes")
        add("")
        for c in review["level_changes"]:
            add(
                f"- {_when(c['at'])}: {c['direction']} {c['from']} → {c['to']} by "
                f"{_md(c['by'])}: {_md(c['reason'])}"
            )
    add("")
    add("## Timeline")
    add("")
    add("| time | since report | record | who | what |")
    add("|---|---|---|---|---|")
    for t in review["timeline"]:
        who = f"{_md(t['actor'])} ({t['role']})" if t["actor"] else "-"
        add(
            f"| {_when(t['at'])} | {duration(t['elapsed_seconds'])} | {_md(t['record'])} "
            f"| {who} | {_md(t['what'])} |"
        )
    add("")
    add("## Who did what")
    add("")
    for r in review["roles"]:
        until = _when(r["until"]) if r["until"] else "the end"
        add(f"- {_md(r['role'])}: {_md(r['staff_id'])}, {_when(r['from'])} until {until}")
    for p in review["people"]:
        add(f"- {_md(p['staff_id'])} ({p['role']}): {', '.join(p['did'])}")
    if review["affected_customers"]:
        add("")
        add("## Affected customers")
        add("")
        for c in review["affected_customers"]:
            add(
                f"- {_md(c['name'] or '[hidden]')}"
                + (f" ({_md(c['region'])})" if c["region"] else "")
            )
    if review["linked_complaints"]:
        add("")
        add("## Linked complaints")
        add("")
        for c in review["linked_complaints"]:
            add(f"- {_linked(c)}")
    add("")
    add("## Contributing factors")
    add("")
    for f in review["contributing_factors"] or ["(not reviewed yet)"]:
        add(f"- {_md(f)}")
    add("")
    add("## Evaluation")
    add("")
    add("What went well:")
    add("")
    for f in review["went_well"] or ["-"]:
        add(f"- {_md(f)}")
    add("")
    add("What did not:")
    add("")
    for f in review["went_badly"] or ["-"]:
        add(f"- {_md(f)}")
    add("")
    add("## Action items")
    add("")
    add("| item | action | owner | due | verify by | status | overdue |")
    add("|---|---|---|---|---|---|---|")
    for a in review["action_items"]:
        status = a["status"] + (f" ({_md(a['waived_reason'])})" if a["waived_reason"] else "")
        add(
            f"| {a['item_id']} | {_md(a['description'])} | {_md(a['owner'])} | {_when(a['due'])} "
            f"| {_when(a['verify_due'])} | {status} | {'OVERDUE' if a['overdue'] else 'no'} |"
        )
    add("")
    return "\n".join(out)


# -- HTML -------------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2430;margin:2em auto;
max-width:1080px;padding:0 1.5em}
h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .5em;
border-bottom:2px solid #d8dee8;padding-bottom:.2em}
.meta{color:#4a5568}.facts{display:grid;grid-template-columns:repeat(4,1fr);gap:.6em;margin:1em 0}
.fact{background:#f3f6fa;border-radius:6px;padding:.5em .8em}.fact b{display:block;font-size:1.3em}
table{border-collapse:collapse;width:100%;margin:.4em 0}th,td{text-align:left;padding:.3em .5em;
border-bottom:1px solid #e2e8f0;vertical-align:top}th{background:#f3f6fa;font-weight:600}
.met{color:#1c7c3c;font-weight:600}.missed{color:#c0392b;font-weight:700}.pending{color:#8a6d00}
.overdue{color:#c0392b;font-weight:700}svg{width:100%;height:auto;border:1px solid #e2e8f0;
border-radius:6px;background:#fff}.cols{display:grid;grid-template-columns:1fr 1fr;gap:1.5em}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}
"""


def _h(text: Any) -> str:
    return escape("" if text is None else str(text), quote=True)


def _verdict_html(verdict: str | None) -> str:
    return f'<span class="{_h(verdict)}">{_VERDICT[verdict]}</span>' if verdict else ""


_LEVEL_COLOURS = {"I": "#b71c1c", "II": "#e65100", "III": "#b58900"}
_TICK_MINUTES = (5, 10, 15, 30, 60, 120, 240, 360, 720, 1440, 2880, 10080)


def _chart(review: dict[str, Any]) -> str:
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
        parts.append(f'<text x="10" y="{y + 17}">{_h(label)}</text>')
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
            f'<text class="small" x="{x(begin) + bar_w + 6}" y="{y + 17}">{_h(took)}</text>'
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
                f'style="fill:#fff;font-weight:700">{_h(name)}</text>'
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


def render_html(review: dict[str, Any]) -> str:
    counts = review["counts"]
    facts = "".join(
        f'<div class="fact"><b>{_h(value)}</b>{_h(label)}</div>'
        for label, value in (
            ("response level", review["level"] or "-"),
            ("affected customers", counts["affected_customers"]),
            ("linked complaints", counts["linked_complaints"]),
            ("departments", len(review["departments"])),
        )
    )
    phase_rows = "".join(
        f"<tr><td>{_h(p['label'])}</td><td>{_when(p['from'])}</td><td>{_when(p['to'])}</td>"
        f"<td>{duration(p['seconds'])}</td><td>{_when(p['deadline'])}</td>"
        f"<td>{_verdict_html(p['verdict'])}</td></tr>"
        for p in review["phases"]
    )
    timeline_rows = "".join(
        f"<tr><td>{_when(t['at'])}</td><td>{duration(t['elapsed_seconds'])}</td>"
        f"<td>{_h(t['record'])}</td><td>{_h(t['actor'] or '-')}"
        f"{' (' + _h(t['role']) + ')' if t['role'] else ''}</td><td>{_h(t['what'])}</td></tr>"
        for t in review["timeline"]
    )
    role_rows = "".join(
        f"<tr><td>{_h(r['role'])}</td><td>{_h(r['staff_id'])}</td><td>{_when(r['from'])}</td>"
        f"<td>{_when(r['until']) if r['until'] else 'to the end'}</td></tr>"
        for r in review["roles"]
    )
    people = "".join(
        f"<li><b>{_h(p['staff_id'])}</b> ({_h(p['role'])}): {_h(', '.join(p['did']))}</li>"
        for p in review["people"]
    )
    level_changes = "".join(
        f"<li>{_when(c['at'])}: {_h(c['direction'])} {_h(c['from'])} → {_h(c['to'])} by "
        f"{_h(c['by'])}: {_h(c['reason'])}</li>"
        for c in review["level_changes"]
    )
    customers = "".join(
        f"<li>{_h(c['name'] or '[hidden]')}"
        f"{' (' + _h(c['region']) + ')' if c['region'] else ''}</li>"
        for c in review["affected_customers"]
    )
    complaints = ", ".join(_h(_linked(c)) for c in review["linked_complaints"]) or "none"

    def bullet_list(items: list[str], empty: str) -> str:
        return "<ul>" + "".join(f"<li>{_h(i)}</li>" for i in items or [empty]) + "</ul>"

    item_rows = "".join(
        f"<tr><td>{_h(a['item_id'])}</td><td>{_h(a['description'])}</td><td>{_h(a['owner'])}</td>"
        f"<td>{_when(a['due'])}</td><td>{_when(a['verify_due'])}</td><td>{_h(a['status'])}"
        f"{': ' + _h(a['waived_reason']) if a['waived_reason'] else ''}</td>"
        f"<td>{'<span class=overdue>OVERDUE</span>' if a['overdue'] else 'no'}</td></tr>"
        for a in review["action_items"]
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Post-incident review {_h(review["reference"])}</title>
<style>{_CSS}</style></head>
<body>
<h1>Post-incident review {_h(review["reference"])}: {_h(review["title"])}</h1>
<p class="meta">Status <b>{_h(review["status"])}</b> · reported {_when(review["reported_at"])} by
{_h(review["reported_by"])} · generated {_when(review["generated_at"])} from the ledger</p>
<p>{_h(review["description"])}</p>
<p><b>Impact:</b> {_h(review["impact"] or "not assessed yet")}</p>
<div class="facts">{facts}</div>
<h2>Timeline chart</h2>
{_chart(review)}
<p class="meta">Bars are the phases, the bottom band the response level over time (I is the
gravest); dashed red lines are the deadlines; a green dot is a deadline met, a red dot one
missed.</p>
<h2>Phases and deadlines</h2>
<table><thead><tr><th>phase</th><th>from</th><th>to</th><th>took</th><th>deadline</th>
<th>verdict</th></tr></thead><tbody>{phase_rows}</tbody></table>
{"<h2>Level changes</h2><ul>" + level_changes + "</ul>" if level_changes else ""}
<h2>Contributing factors</h2>
{bullet_list(review["contributing_factors"], "(not reviewed yet)")}
<div class="cols"><div><h2>What went well</h2>{bullet_list(review["went_well"], "-")}</div>
<div><h2>What did not</h2>{bullet_list(review["went_badly"], "-")}</div></div>
<h2>Action items</h2>
<table><thead><tr><th>item</th><th>action</th><th>owner</th><th>due</th><th>verify by</th>
<th>status</th><th>overdue</th></tr></thead><tbody>{item_rows}</tbody></table>
<h2>Who did what</h2>
<table><thead><tr><th>role</th><th>held by</th><th>from</th><th>until</th></tr></thead>
<tbody>{role_rows}</tbody></table>
<ul>{people}</ul>
<p><b>Departments:</b> {_h(", ".join(review["departments"]) or "none")} ·
<b>Linked complaints:</b> {complaints}</p>
{"<h2>Affected customers</h2><ul>" + customers + "</ul>" if customers else ""}
<h2>Timeline</h2>
<table><thead><tr><th>time</th><th>since report</th><th>record</th><th>who</th><th>what</th>
</tr></thead><tbody>{timeline_rows}</tbody></table>
</body></html>
"""
