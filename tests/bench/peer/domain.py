"""The peer's `Complaint` aggregate: the ledger's loop of commands, plain library events."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class TransitionError(Exception):
    """A command the complaint's current status does not allow (HTTP 409)."""


def _now() -> datetime:
    return datetime.now(UTC)


class Complaint(Aggregate):
    """One complaint and its status; each command records exactly one event."""

    @event("Registered")
    def __init__(
        self, channel: str, customer: dict[str, Any], summary: str, description: str
    ) -> None:
        self.channel = channel
        self.customer = customer
        self.summary = summary
        self.description = description
        self.status = "registered"
        self.registered_at = _now()
        self.category: str | None = None
        self.priority: str | None = None
        self.owner: str | None = None
        self.responses: list[str] = []
        self.notes: list[str] = []
        self.resolution: str | None = None
        self.satisfaction: int | None = None
        self.closed_at: datetime | None = None

    def _require(self, *statuses: str) -> None:
        if self.status not in statuses:
            raise TransitionError(f"not allowed while {self.status}")

    def classify(self, category: str, priority: str) -> None:
        self._require("registered", "classified", "assigned", "in_progress")
        self._classified(category, priority)

    @event("Classified")
    def _classified(self, category: str, priority: str) -> None:
        self.category, self.priority = category, priority
        if self.status == "registered":
            self.status = "classified"

    def assign(self, owner: str) -> None:
        self._require("classified", "assigned", "in_progress")
        self._assigned(owner)

    @event("Assigned")
    def _assigned(self, owner: str) -> None:
        self.owner = owner
        if self.status == "classified":
            self.status = "assigned"

    def respond(self, message: str) -> None:
        self._require("assigned", "in_progress")
        self._responded(message)

    @event("Responded")
    def _responded(self, message: str) -> None:
        self.responses.append(message)
        self.status = "in_progress"

    def note(self, note: str) -> None:
        self._require("registered", "classified", "assigned", "in_progress", "resolved")
        self._noted(note)

    @event("Noted")
    def _noted(self, note: str) -> None:
        self.notes.append(note)

    def resolve(self, resolution: str) -> None:
        self._require("assigned", "in_progress")
        self._resolved(resolution)

    @event("Resolved")
    def _resolved(self, resolution: str) -> None:
        self.resolution = resolution
        self.status = "resolved"

    def feedback(self, satisfaction: int) -> None:
        self._require("resolved")
        self._feedback(satisfaction)

    @event("FeedbackRecorded")
    def _feedback(self, satisfaction: int) -> None:
        self.satisfaction = satisfaction

    def close(self) -> None:
        self._require("resolved")
        if self.satisfaction is None:
            raise TransitionError("feedback first")
        self._closed()

    @event("Closed")
    def _closed(self) -> None:
        self.status = "closed"
        self.closed_at = _now()


class Complaints(Application[UUID]):
    """The library's application: its recorder, its transactions, one save per command."""

    name = "peer"

    def register(self, **fields: Any) -> Complaint:
        complaint = Complaint(**fields)
        self.save(complaint)
        return complaint

    def get(self, complaint_id: UUID) -> Complaint:
        complaint: Complaint = self.repository.get(complaint_id)
        return complaint
