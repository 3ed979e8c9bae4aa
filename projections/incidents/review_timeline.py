"""The review's timeline: which streams join it, and one line per event of each.

The incident's own stream always joins. A linked complaint joins with its handoffs and
escalations only when the reader's `ReadScope` may read it; otherwise the review names its
reference and status and nothing of its handling (who handled it, its handoffs, the reasons of
its escalations).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.application.records import ReadScope, Records
from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.incidents.incident import Incident
from privacy.fields import Personal

# reveal(value, kind, field) -> the text the reader may see, or None when they may see nothing
Reveal = Callable[[Personal, str, str], str | None]


@dataclass(frozen=True)
class Stream:
    kind: str  # incident | complaint | escalation | handoff
    id: UUID
    label: str


@dataclass(frozen=True)
class LinkedComplaint:
    """A complaint the incident caused, and whether the reader may see its handling."""

    id: UUID
    reference: str
    status: str
    readable: bool


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


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
        }.get(name, words(name))
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
            return f"{words(event.kind).capitalize()}: {text}"
        case "MilestoneSet":
            when = event.occurred_at.strftime("%Y-%m-%d %H:%M UTC")
            return f"Milestone {words(event.name)}: {when}"
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
    return words(name)


def words(name: str) -> str:
    out = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return out.replace("_", " ")


def linked_complaints(
    records: Records, incident: Incident, scope: ReadScope
) -> list[LinkedComplaint]:
    """The incident's linked complaints, each marked readable or not within `scope`."""
    linked = []
    for complaint_id in incident.linked_complaints:
        complaint: Complaint = records.find("complaint", complaint_id)
        readable = records.within(complaint, scope)
        linked.append(
            LinkedComplaint(complaint.id, complaint.reference, complaint.status, readable)
        )
    return linked


def streams_of(
    ledger: LedgerApplication, incident: Incident, linked: Iterable[LinkedComplaint]
) -> list[Stream]:
    """The incident's stream, then those of the readable linked complaints and their records."""
    streams = [Stream("incident", incident.id, incident.reference)]
    escalations: set[UUID] = set()
    for event in ledger.events.get(incident.id):
        if type(event).__name__ == "Escalated":
            escalations.add(event.escalation_id)  # type: ignore[attr-defined]
    for complaint in linked:
        if not complaint.readable:
            continue  # its reference and status only: none of its handling
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


def timeline_of(
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
                        "elapsed_seconds": seconds_between(incident.reported_at, event.timestamp),
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
