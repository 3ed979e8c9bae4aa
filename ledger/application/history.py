"""A complaint's compliance history: its own stream, its escalations' and handoffs', in order."""

from dataclasses import dataclass
from uuid import UUID

from ledger.application.history_entries import HistoryEntry
from ledger.application.service import LedgerApplication


@dataclass(frozen=True)
class TrailEntry:
    """One stored event of the case, naming the stream it belongs to."""

    stream: str  # complaint, escalation or handoff
    stream_id: UUID
    entry: HistoryEntry


def compliance_history(app: LedgerApplication, complaint_id: UUID) -> list[TrailEntry]:
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
