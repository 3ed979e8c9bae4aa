"""The Notice aggregate: one thing worth telling people, who was to be told, and each attempt.

A notice is raised by one rule about one fact: an event of the log (a breach, a handoff, an
incident's level) or a moment a clock reached (a warning). Its id is derived from that fact and
the rule, so raising it twice is refused by the store; its first event names its recipients as
they were resolved then, and the audiences that named nobody. Each recipient's notification has
an id derived from the notice and the recipient (`notification_id_for`): a receiver that sees it
twice knows it is the same message.
Every delivery attempt is an event of the notice: delivered, failed (and when it is retried),
dead-lettered, replayed. The events sit under the hash chain and the signed Merkle tree like
every other, which is what lets the ledger prove who was told what, and when.
"""

from datetime import datetime
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import DomainError
from ledger.values import Actor

DELIVERED = "delivered"
FAILED = "failed"
DEAD = "dead_letter"
PENDING = "pending"


def notice_id_for(source: str, rule: str) -> UUID:
    """The notice one rule raises about one fact (an event `id:version`, a clock's moment)."""
    return uuid5(NAMESPACE_URL, f"/notices/{source}/{rule}")


def notification_id_for(notice_id: UUID, recipient: str) -> UUID:
    """The stable id of one recipient's notification: event + rule + recipient."""
    return uuid5(NAMESPACE_URL, f"/notifications/{notice_id}/{recipient}")


class _Attempt(Aggregate.Event):
    """One attempt to reach a recipient: its number, the receiver's answer, and the state the
    recipient's notification is left in (`outcome`, one per event class)."""

    outcome: ClassVar[str]
    notification_id: UUID
    recipient: str
    attempt: int
    status: int
    answer: str

    def apply(self, aggregate: Any) -> None:
        aggregate.states[self.recipient] = self.outcome


class Notice(Aggregate):
    """One notice, its recipients and the outcome of every attempt to reach each of them."""

    @staticmethod
    def create_id(source: str, rule: str, **_: Any) -> UUID:
        return notice_id_for(source, rule)

    class Raised(Aggregate.Created):
        """The notice, its recipients, and (since version 2) the audiences that named nobody."""

        class_version = 2
        source: str
        rule: str
        record_kind: str
        record_id: UUID
        reference: str
        department: str | None
        due: datetime | None
        facts: dict[str, str]
        recipients: list[str]
        nobody: list[str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["nobody"] = []  # raised before audiences were checked: none on record

    @event(Raised)
    def __init__(
        self,
        *,
        source: str,
        rule: str,
        record_kind: str,
        record_id: UUID,
        reference: str,
        department: str | None,
        due: datetime | None,
        facts: dict[str, str],
        recipients: list[str],
        nobody: list[str],
        timestamp: datetime,
    ) -> None:
        self.source = source
        self.rule = rule
        self.record_kind = record_kind
        self.record_id = record_id
        self.reference = reference
        self.department = department
        self.due = due
        self.facts = dict(facts)
        self.recipients = list(recipients)
        # The audiences that named nobody in the staff directory: "nobody to tell" on record.
        self.nobody = list(nobody)
        self.raised_at = timestamp
        self.states: dict[str, str] = dict.fromkeys(recipients, PENDING)

    def notification_id(self, recipient: str) -> UUID:
        return notification_id_for(self.id, recipient)

    def recipient_of(self, notification_id: UUID) -> str:
        for recipient in self.recipients:
            if self.notification_id(recipient) == notification_id:
                return recipient
        raise DomainError(f"no notification {notification_id} in this notice")

    def record_attempt(
        self,
        *,
        recipient: str,
        attempt: int,
        status: int,
        answer: str,
        delivered: bool,
        retry_at: datetime | None,
        at: datetime,
    ) -> None:
        """One attempt's outcome; no retry time after a failure means it is dead-lettered."""
        if recipient not in self.states:
            raise DomainError(f"{recipient} is not a recipient of this notice")
        fields: dict[str, Any] = {
            "notification_id": self.notification_id(recipient),
            "recipient": recipient,
            "attempt": attempt,
            "status": status,
            "answer": answer[:500],
            "timestamp": at,
        }
        if delivered:
            self.trigger_event(self.Delivered, **fields)
        elif retry_at is not None:
            self.trigger_event(self.DeliveryFailed, retry_at=retry_at, **fields)
        else:
            self.trigger_event(self.DeadLettered, **fields)

    def replay(self, *, recipient: str, actor: Actor, at: datetime) -> None:
        """Send a dead-lettered (or failed) notification again, on an administrator's word."""
        state = self.states.get(recipient)
        if state not in (DEAD, FAILED):
            raise DomainError(
                f"only a failed or dead-lettered notification is replayed, not {state}"
            )
        self.trigger_event(
            self.Replayed,
            notification_id=self.notification_id(recipient),
            recipient=recipient,
            actor=actor,
            timestamp=at,
        )

    class Delivered(_Attempt):
        outcome = DELIVERED

    class DeliveryFailed(_Attempt):
        outcome = FAILED
        retry_at: datetime

    class DeadLettered(_Attempt):
        outcome = DEAD

    class Replayed(Aggregate.Event):
        notification_id: UUID
        recipient: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.states[self.recipient] = PENDING
