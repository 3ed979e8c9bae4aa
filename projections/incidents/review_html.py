"""The incident review as one printable HTML page.

Self-contained (inline CSS and SVG, no scripts, no external resources); every piece of user
text is escaped.
"""

from typing import Any

from projections.incidents.review_chart import chart
from projections.incidents.review_text import VERDICT, duration, h, linked, when, who

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


def _verdict_html(verdict: str | None) -> str:
    return f'<span class="{h(verdict)}">{VERDICT[verdict]}</span>' if verdict else ""


def render_html(review: dict[str, Any]) -> str:
    counts = review["counts"]
    facts = "".join(
        f'<div class="fact"><b>{h(value)}</b>{h(label)}</div>'
        for label, value in (
            ("response level", review["level"] or "-"),
            ("affected customers", counts["affected_customers"]),
            ("linked complaints", counts["linked_complaints"]),
            ("departments", len(review["departments"])),
        )
    )
    phase_rows = "".join(
        f"<tr><td>{h(p['label'])}</td><td>{when(p['from'])}</td><td>{when(p['to'])}</td>"
        f"<td>{duration(p['seconds'])}</td><td>{when(p['deadline'])}</td>"
        f"<td>{_verdict_html(p['verdict'])}</td></tr>"
        for p in review["phases"]
    )
    timeline_rows = "".join(
        f"<tr><td>{when(t['at'])}</td><td>{duration(t['elapsed_seconds'])}</td>"
        f"<td>{h(t['record'])}</td><td>{h(who(review, t['actor']))}"
        f"{' (' + h(t['role']) + ')' if t['role'] else ''}</td><td>{h(t['what'])}</td></tr>"
        for t in review["timeline"]
    )
    role_rows = "".join(
        f"<tr><td>{h(r['role'])}</td><td>{h(who(review, r['staff_id']))}</td>"
        f"<td>{when(r['from'])}</td>"
        f"<td>{when(r['until']) if r['until'] else 'to the end'}</td></tr>"
        for r in review["roles"]
    )
    people = "".join(
        f"<li><b>{h(who(review, p['staff_id']))}</b> ({h(p['role'])}): "
        f"{h(', '.join(p['did']))}</li>"
        for p in review["people"]
    )
    level_changes = "".join(
        f"<li>{when(c['at'])}: {h(c['direction'])} {h(c['from'])} → {h(c['to'])} by "
        f"{h(who(review, c['by']))}: {h(c['reason'])}</li>"
        for c in review["level_changes"]
    )
    customers = "".join(
        f"<li>{h(c['name'] or '[hidden]')}{' (' + h(c['region']) + ')' if c['region'] else ''}</li>"
        for c in review["affected_customers"]
    )
    complaints = ", ".join(h(linked(c)) for c in review["linked_complaints"]) or "none"

    def bullet_list(items: list[str], empty: str) -> str:
        return "<ul>" + "".join(f"<li>{h(i)}</li>" for i in items or [empty]) + "</ul>"

    item_rows = "".join(
        f"<tr><td>{h(a['item_id'])}</td><td>{h(a['description'])}</td>"
        f"<td>{h(who(review, a['owner']))}</td>"
        f"<td>{when(a['due'])}</td><td>{when(a['verify_due'])}</td><td>{h(a['status'])}"
        f"{': ' + h(a['waived_reason']) if a['waived_reason'] else ''}</td>"
        f"<td>{'<span class=overdue>OVERDUE</span>' if a['overdue'] else 'no'}</td></tr>"
        for a in review["action_items"]
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Post-incident review {h(review["reference"])}</title>
<style>{_CSS}</style></head>
<body>
<h1>Post-incident review {h(review["reference"])}: {h(review["title"])}</h1>
<p class="meta">Status <b>{h(review["status"])}</b> · reported {when(review["reported_at"])} by
{h(who(review, review["reported_by"]))} · generated {when(review["generated_at"])}
from the ledger</p>
<p>{h(review["description"])}</p>
<p><b>Impact:</b> {h(review["impact"] or "not assessed yet")}</p>
<div class="facts">{facts}</div>
<h2>Timeline chart</h2>
{chart(review)}
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
<p><b>Departments:</b> {h(", ".join(review["departments"]) or "none")} ·
<b>Linked complaints:</b> {complaints}</p>
{"<h2>Affected customers</h2><ul>" + customers + "</ul>" if customers else ""}
<h2>Timeline</h2>
<table><thead><tr><th>time</th><th>since report</th><th>record</th><th>who</th><th>what</th>
</tr></thead><tbody>{timeline_rows}</tbody></table>
</body></html>
"""
