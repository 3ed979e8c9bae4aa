"""The post-incident review, built on demand from the ledger's streams.

The incident's own stream gives its phases, milestones, roles, review and action items; the
streams of its linked complaints, of its escalations and of those complaints' handoffs join the
timeline. Nothing here is typed in after the fact: every line of the review is an event.

Personal values are shown through the `reveal` function the caller passes in, so the review
masks exactly as the caller's role masks (and shows `[erased]` for an erased person).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.incidents.incident import (
    ACTION_DONE,
    ACTION_OPEN,
    Incident,
)
from privacy.fields import Personal

# reveal(value, kind, field) -> the text the reader may see, or None when they may see nothing
Reveal = Callable[[Personal, str, str], str | None]


@dataclass(frozen=True)
class Stream:
    kind: str  # incident | complaint | escalation | handoff
    id: UUID
    label: str


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


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
        "seconds": _seconds(start, end),
        "deadline": _iso(deadline),
        "verdict": verdict,
    }


def action_item_overdue(item: dict[str, Any], now: datetime) -> bool:
    """Open past its due date, or not yet verified past its verification date."""
    if item["status"] == ACTION_OPEN and now > item["due"]:
        return True
    return item["status"] in (ACTION_OPEN, ACTION_DONE) and now > item["verify_due"]


def _describe(event: Any, stream: Stream, reveal: Reveal) -> str:
    """One line that says what happened, without personal data of a complaint's customer."""
    name = type(event).__name__
    if stream.kind != "incident":
        detail = {
            "Registered": "complaint registered",
            "LinkedToIncident": "complaint linked to this incident",
            "Raised": f"escalated to {getattr(event, 'level', '')}: {getattr(event, 'reason', '')}",
            "Acknowledged": "escalation acknowledged",
            "Requested": f"handoff to {getattr(event, 'to_department', '')} requested",
        }.get(name, _words(name))
        return detail[:1].upper() + detail[1:]
    match name:
        case "Reported":
            return f"Reported: {event.title}"
        case "Assessed":
            return (
                f"Assessed at level {event.level}: {event.impact} "
                f"({len(event.affected_customers)} customer(s); "
                f"departments {', '.join(event.departments)})"
            )
        case "LevelChanged":
            return f"Level {event.direction}d {event.from_level} → {event.to_level}: {event.reason}"
        case "ResponseActivated":
            roles = ", ".join(f"{r}: {s}" for r, s in event.roles.items())
            return f"Response activated: {event.plan} ({roles})"
        case "RoleAssigned":
            previous = f" (from {event.previous_holder})" if event.previous_holder else ""
            return f"{event.role} handed to {event.staff_id}{previous}"
        case "EntryLogged":
            text = event.text
            if event.personal_text is not None:
                text = reveal(event.personal_text, "text", "timeline.text") or "[hidden]"
            return f"{_words(event.kind).capitalize()}: {text}"
        case "MilestoneSet":
            when = event.occurred_at.strftime("%Y-%m-%d %H:%M UTC")
            return f"Milestone {_words(event.name)}: {when}"
        case "Mitigated" | "Resolved":
            return f"{name}: {event.summary}"
        case "Reviewed":
            return f"Reviewed: {len(event.contributing_factors)} contributing factor(s)"
        case "ActionItemAdded":
            return f"Action item {event.item_id} for {event.owner}: {event.description}"
        case "ActionItemCompleted":
            return f"Action item {event.item_id} done: {event.note}"
        case "ActionItemVerified":
            return f"Action item {event.item_id} verified"
        case "ActionItemWaived":
            return f"Action item {event.item_id} waived: {event.reason}"
        case "ComplaintLinked":
            return f"Complaint {event.complaint_reference} linked"
        case "Escalated":
            return f"Escalated to {event.level}"
        case "EscalationResolved":
            return "Escalation resolved"
        case "Closed":
            return "Closed"
    return _words(name)


def _words(name: str) -> str:
    out = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return out.replace("_", " ")


def _streams(ledger: LedgerApplication, incident: Incident) -> list[Stream]:
    streams = [Stream("incident", incident.id, incident.reference)]
    escalations: set[UUID] = set()
    for event in ledger.events.get(incident.id):
        if type(event).__name__ == "Escalated":
            escalations.add(event.escalation_id)  # type: ignore[attr-defined]
    for complaint_id in incident.linked_complaints:
        complaint: Complaint = ledger.get_complaint(complaint_id)
        streams.append(Stream("complaint", complaint.id, complaint.reference))
        for event in ledger.events.get(complaint.id):
            kind = type(event).__name__
            if kind == "Escalated":
                escalations.add(event.escalation_id)  # type: ignore[attr-defined]
            elif kind == "HandoffRequested":
                handoff_id = event.handoff_id  # type: ignore[attr-defined]
                streams.append(Stream("handoff", handoff_id, f"handoff of {complaint.reference}"))
    for escalation_id in sorted(escalations, key=str):
        streams.append(Stream("escalation", escalation_id, "escalation"))
    return streams


def _timeline(
    ledger: LedgerApplication, incident: Incident, streams: Iterable[Stream], reveal: Reveal
) -> tuple[list[dict[str, Any]], list[Any]]:
    rows: list[tuple[datetime, int, int, dict[str, Any], Any]] = []
    for order, stream in enumerate(streams):
        event: Any
        for event in ledger.events.get(stream.id):
            actor = getattr(event, "actor", None)
            rows.append(
                (
                    event.timestamp,
                    order,
                    event.originator_version,
                    {
                        "at": event.timestamp.isoformat(),
                        "elapsed_seconds": _seconds(incident.reported_at, event.timestamp),
                        "stream": stream.kind,
                        "record": stream.label,
                        "event": type(event).__name__,
                        "actor": actor.staff_id if actor else None,
                        "role": actor.role if actor else None,
                        "what": _describe(event, stream, reveal),
                    },
                    event if stream.kind == "incident" else None,
                )
            )
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return [r[3] for r in rows], [r[4] for r in rows if r[4] is not None]


def build_review(
    ledger: LedgerApplication, incident_id: UUID, *, reveal: Reveal, now: datetime
) -> dict[str, Any]:
    """The review document of one incident, as plain JSON-ready data."""
    incident = ledger.get_incident(incident_id)
    streams = _streams(ledger, incident)
    timeline, incident_events = _timeline(ledger, incident, streams, reveal)
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
    people: dict[str, dict[str, Any]] = {}
    for event in incident_events:
        actor = getattr(event, "actor", None)
        if actor is None:
            continue
        person = people.setdefault(
            actor.staff_id, {"staff_id": actor.staff_id, "role": actor.role, "did": []}
        )
        if (what := _words(type(event).__name__)) not in person["did"]:
            person["did"].append(what)
    departments = list(incident.departments)
    for stream in streams:
        if stream.kind == "handoff":
            handoff = ledger.get_handoff(stream.id)
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
    return {
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
        "people": list(people.values()),
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
            {"id": str(s.id), "reference": s.label} for s in streams if s.kind == "complaint"
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
