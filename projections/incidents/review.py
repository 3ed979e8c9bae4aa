"""The post-incident review, built on demand from the ledger's streams.

The incident's own stream gives its phases, milestones, roles, review and action items; the
streams of its linked complaints, of its escalations and of those complaints' handoffs join the
timeline (`review_timeline`). Nothing here is typed in after the fact: every line of the review
is an event.

What the review shows follows its reader, passed in explicitly: personal values through the
`reveal` function (masked exactly as the caller's role masks, `[erased]` for an erased person),
and linked complaints through the reader's `ReadScope` (reference and status only for a
complaint the reader may not read).
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.application.records import ReadScope, Records
from ledger.application.service import LedgerApplication
from ledger.cases.handoff import Handoff
from ledger.incidents.incident import (
    ACTION_DONE,
    ACTION_OPEN,
    Incident,
)
from projections.incidents.review_people import people_of, staff_names
from projections.incidents.review_timeline import (
    Reveal,
    linked_complaints,
    seconds_between,
    streams_of,
    timeline_of,
)

__all__ = ["Reveal", "action_item_overdue", "build_review"]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _phase(
    name: str,
    label: str,
    start: datetime | None,
    end: datetime | None,
    deadline: datetime | None,
    now: datetime,
) -> dict[str, Any]:
    """One measured interval and its verdict: met, missed, pending or (without a deadline) None."""
    verdict: str | None = None
    if deadline is not None:
        if end is not None:
            verdict = "met" if end <= deadline else "missed"
        else:
            verdict = "missed" if now > deadline else "pending"
    return {
        "name": name,
        "label": label,
        "from": _iso(start),
        "to": _iso(end),
        "seconds": seconds_between(start, end),
        "deadline": _iso(deadline),
        "verdict": verdict,
    }


def action_item_overdue(item: dict[str, Any], now: datetime) -> bool:
    """Open past its due date, or not yet verified past its verification date."""
    if item["status"] == ACTION_OPEN and now > item["due"]:
        return True
    return item["status"] in (ACTION_OPEN, ACTION_DONE) and now > item["verify_due"]


def build_review(
    ledger: LedgerApplication,
    incident_id: UUID,
    *,
    reveal: Reveal,
    now: datetime,
    records: Records,
    scope: ReadScope,
) -> dict[str, Any]:
    """The review document of one incident, as plain JSON-ready data, as `scope` may read it.

    The incident itself must be within `scope` (404 otherwise); of a linked complaint outside
    it, the review shows the reference and status only.
    """
    incident: Incident = records.load("incident", incident_id, scope)
    linked = linked_complaints(records, incident, scope)
    streams = streams_of(ledger, incident, linked)
    timeline, incident_events = timeline_of(ledger, incident, streams, reveal)
    milestones = incident.milestones
    reported = incident.reported_at
    phases = [
        _phase(
            "detect",
            "Time to detect (impact started → detected)",
            milestones.get("impact_started"),
            milestones.get("detected"),
            None,
            now,
        ),
        _phase(
            "assess",
            "Time to assess (report → assessed)",
            reported,
            incident.assessed_at,
            incident.assess_due,
            now,
        ),
        _phase(
            "activate",
            "Time to activate (report → response activated)",
            reported,
            incident.activated_at,
            incident.activate_due,
            now,
        ),
        _phase(
            "mitigate",
            "Time to mitigate (report → mitigated)",
            reported,
            milestones.get("mitigated"),
            None,
            now,
        ),
        _phase(
            "resolve",
            "Time to resolve (report → resolved)",
            reported,
            milestones.get("resolved"),
            None,
            now,
        ),
        _phase(
            "review_plan",
            "Improvement plan (resolved → reviewed)",
            incident.resolved_at,
            incident.reviewed_at,
            incident.review_plan_due,
            now,
        ),
    ]
    departments = list(incident.departments)
    for stream in streams:
        if stream.kind == "handoff":
            handoff: Handoff = records.find("handoff", stream.id)
            for department in (handoff.from_department, handoff.to_department):
                if department not in departments:
                    departments.append(department)
    level_changes = [
        {
            "at": e.timestamp.isoformat(),
            "from": e.from_level,
            "to": e.to_level,
            "direction": e.direction,
            "reason": e.reason,
            "by": e.actor.staff_id,
        }
        for e in incident_events
        if type(e).__name__ == "LevelChanged"
    ]
    review = {
        "id": str(incident.id),
        "reference": incident.reference,
        "title": incident.title,
        "description": incident.description,
        "status": incident.status,
        "level": incident.level,
        "impact": incident.impact,
        "reported_at": reported.isoformat(),
        "reported_by": incident.reported_by.staff_id,
        "generated_at": now.isoformat(),
        "milestones": {name: when.isoformat() for name, when in milestones.items()},
        "deadlines": {
            "assess": _iso(incident.assess_due),
            "activate": _iso(incident.activate_due),
            "review_plan": _iso(incident.review_plan_due),
        },
        "phases": phases,
        "level_changes": level_changes,
        "timeline": timeline,
        "roles": [
            {
                "role": t["role"],
                "staff_id": t["staff_id"],
                "from": _iso(t["from"]),
                "until": _iso(t["until"]),
            }
            for t in incident.role_history
        ],
        "people": people_of(incident_events),
        "affected_customers": [
            {
                "subject_id": str(c.subject_id),
                "name": reveal(c.name, "name", "affected_customers.name"),
                "region": c.region,
            }
            for c in incident.affected_customers
        ],
        "counts": {
            "affected_customers": len(incident.affected_customers),
            "linked_complaints": len(incident.linked_complaints),
            "escalations": sum(1 for s in streams if s.kind == "escalation"),
            "handoffs": sum(1 for s in streams if s.kind == "handoff"),
        },
        "linked_complaints": [
            {
                "id": str(c.id),
                "reference": c.reference,
                "status": c.status,
                "timeline_shown": c.readable,
            }
            for c in linked
        ],
        "departments": departments,
        "contributing_factors": list(incident.contributing_factors),
        "went_well": list(incident.went_well),
        "went_badly": list(incident.went_badly),
        "action_items": [
            {
                "item_id": item["item_id"],
                "description": item["description"],
                "owner": item["owner"],
                "due": item["due"].isoformat(),
                "verify_due": item["verify_due"].isoformat(),
                "status": item["status"],
                "done_at": _iso(item["done_at"]),
                "verified_at": _iso(item["verified_at"]),
                "verified_by": item["verified_by"],
                "waived_reason": item["waived_reason"],
                "overdue": action_item_overdue(item, now),
            }
            for item in incident.action_items.values()
        ],
    }
    # Display names beside staff ids: the renderings show "name (id)", or the id alone.
    review["staff_names"] = staff_names(review, ledger.staff)
    return review
