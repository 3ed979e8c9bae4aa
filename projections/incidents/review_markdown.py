"""The incident review as Markdown, for a manager to circulate or paste into a ticket."""

from typing import Any

from projections.incidents.review_text import VERDICT, duration, linked, when, who


def _md(text: Any) -> str:
    """Keep user text from breaking a table row or starting markup."""
    value = "" if text is None else str(text)
    value = value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for character in "*`[]<>":
        value = value.replace(character, "\\" + character)
    return value


def render_markdown(review: dict[str, Any]) -> str:
    out: list[str] = []
    add = out.append
    add(f"# Post-incident review {review['reference']}: {_md(review['title'])}")
    add("")
    add(f"- Status: {review['status']}; level: {review['level'] or '-'}")
    add(f"- Reported: {when(review['reported_at'])} by {_md(who(review, review['reported_by']))}")
    add(f"- Impact: {_md(review['impact'] or '-')}")
    counts = review["counts"]
    add(
        f"- Affected customers: {counts['affected_customers']}; linked complaints: "
        f"{counts['linked_complaints']}; escalations: {counts['escalations']}; "
        f"handoffs: {counts['handoffs']}"
    )
    add(f"- Departments: {', '.join(_md(d) for d in review['departments']) or '-'}")
    add(f"- Generated: {when(review['generated_at'])}")
    add("")
    add("## Phases and deadlines")
    add("")
    add("| phase | from | to | took | deadline | verdict |")
    add("|---|---|---|---|---|---|")
    for p in review["phases"]:
        add(
            f"| {p['label']} | {when(p['from'])} | {when(p['to'])} | {duration(p['seconds'])} "
            f"| {when(p['deadline'])} | {VERDICT[p['verdict']]} |"
        )
    if review["level_changes"]:
        add("")
        add("## Level changes")
        add("")
        for c in review["level_changes"]:
            add(
                f"- {when(c['at'])}: {c['direction']} {c['from']} → {c['to']} by "
                f"{_md(who(review, c['by']))}: {_md(c['reason'])}"
            )
    add("")
    add("## Timeline")
    add("")
    add("| time | since report | record | who | what |")
    add("|---|---|---|---|---|")
    for t in review["timeline"]:
        by = f"{_md(who(review, t['actor']))} ({t['role']})" if t["actor"] else "-"
        add(
            f"| {when(t['at'])} | {duration(t['elapsed_seconds'])} | {_md(t['record'])} "
            f"| {by} | {_md(t['what'])} |"
        )
    add("")
    add("## Who did what")
    add("")
    for r in review["roles"]:
        until = when(r["until"]) if r["until"] else "the end"
        add(
            f"- {_md(r['role'])}: {_md(who(review, r['staff_id']))}, {when(r['from'])} "
            f"until {until}"
        )
    for p in review["people"]:
        add(f"- {_md(who(review, p['staff_id']))} ({p['role']}): {', '.join(p['did'])}")
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
            add(f"- {linked(c)}")
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
            f"| {a['item_id']} | {_md(a['description'])} | {_md(who(review, a['owner']))} "
            f"| {when(a['due'])} "
            f"| {when(a['verify_due'])} | {status} | {'OVERDUE' if a['overdue'] else 'no'} |"
        )
    add("")
    return "\n".join(out)
