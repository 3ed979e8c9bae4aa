"""A stream's history as an auditor reads it, and a complaint's compliance history: its own
stream, its escalations' and handoffs', in order."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.values import Actor

if TYPE_CHECKING:  # the application service builds its histories with this module
    from ledger.application.service import LedgerApplication

# What every event carries besides its own facts: shown as the entry's own fields, not as data.
_EVENT_HEADER = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}


@dataclass(frozen=True)
class HistoryEntry:
    """One stored event, as an auditor reads it: what, who, when, and its recorded facts."""

    version: int
    event: str
    at: datetime
    actor: Actor | None
    data: Mapping[str, Any]


def history_entries(events: Iterable[Any]) -> list[HistoryEntry]:
    """The entries of a stream's decoded events, in their order."""
    return [
        HistoryEntry(
            version=event.originator_version,
            event=type(event).__name__,
            at=event.timestamp,
            actor=getattr(event, "actor", None),
            data={k: v for k, v in event.__dict__.items() if k not in _EVENT_HEADER},
        )
        for event in events
    ]


@dataclass(frozen=True)
class TrailEntry:
    """One stored event of the case, naming the stream it belongs to."""

    stream: str  # complaint, escalation or handoff
    stream_id: UUID
    entry: HistoryEntry


def compliance_history(app: "LedgerApplication", complaint_id: UUID) -> list[TrailEntry]:
    """Every event of the complaint and of the escalations and handoffs it records, by time.

    Events stored together (an escalation and the complaint's note of it) share a timestamp;
    the complaint's own event comes first, then the others in the order the complaint names them.
    """
    own = app.get_history(complaint_id)
    trail = [TrailEntry("complaint", complaint_id, e) for e in own]
    related: list[tuple[str, UUID]] = []
    for entry in own:
        if entry.event == "Escalated":
            related.append(("escalation", UUID(str(entry.data["escalation_id"]))))
        elif entry.event == "HandoffRequested":
            related.append(("handoff", UUID(str(entry.data["handoff_id"]))))
    for stream, stream_id in related:
        trail.extend(TrailEntry(stream, stream_id, e) for e in app.get_history(stream_id))
    return sorted(trail, key=lambda t: t.entry.at)
