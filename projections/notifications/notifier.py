"""The notifier: raises the notices the outbox asks for, and delivers the notifications due.

One tick (`run_once(now)`) catches the outbox up, raises each waiting notice with its
recipients resolved (the `Raised` event records them, and the audiences that named nobody),
raises a notice for each escalation left unacknowledged past the policy's limit (the one trigger
that runs on the notifier's clock rather than on an event: a clock's warning or breach, a
complaint's or an incident's, is an event of its record), and attempts every notification
that is due, recording each outcome on its notice. Retries back off exponentially
(`first_retry`, doubled each time) on the clock it is given; after `max_attempts` a
notification is dead-lettered until an administrator replays it.

Crash safety: a notification is sent before its outcome is recorded. A process killed between
the two sends it again on the next tick, under the same notification id (at least once, never
under another id); a notice is raised once (its id is derived from its fact and rule).
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from ledger.application.service import LedgerApplication
from ledger.clock import Clock, SystemClock
from ledger.errors import LedgerError
from ledger.notifications.notice import Notice
from ledger.notifications.subscriptions import Subscriptions
from ledger.policy.notification_policy import TIMED
from ledger.staff.directory import StaffDirectory
from projections.engine.batch import catch_up
from projections.engine.tables import Row
from projections.engine.viewdb import ViewDatabase
from projections.notifications.channels import Answer, SmtpSettings, post_webhook, send_email
from projections.notifications.outbox import OutboxProjection
from projections.notifications.payloads import message_for
from projections.notifications.queries import (
    due_notifications,
    escalations_waiting_since,
    waiting_notices,
)
from projections.notifications.recipients import RecordFacts, resolve, webhooks_for

log = logging.getLogger(__name__)
BATCH = 200


@dataclass(frozen=True)
class DeliverySettings:
    """How hard to try, and what links and mail look like."""

    max_attempts: int = 6
    first_retry: timedelta = timedelta(minutes=1)
    base_url: str = "http://127.0.0.1:8000"
    smtp: SmtpSettings | None = None


class Notifier:
    """Raises notices and delivers notifications for one ledger."""

    def __init__(
        self,
        ledger: LedgerApplication,
        db: ViewDatabase,
        outbox: OutboxProjection,
        directory: StaffDirectory,
        subscriptions: Subscriptions,
        settings: DeliverySettings,
        *,
        wall: Clock | None = None,
    ) -> None:
        # The outbox alone, not the whole read side: this read model imports no other.
        self.ledger = ledger
        self.db = db
        self.outbox = outbox
        self.directory = directory
        self.subscriptions = subscriptions
        self.settings = settings
        self.wall = wall or SystemClock()  # webhook timestamps: real time, not scheduling time

    @property
    def _generation(self) -> int:
        return self.db.ensure(self.outbox.name, self.outbox.tables)

    def catch_up(self) -> int:
        """Bring the outbox up to the head of the log."""
        return catch_up(self.ledger, self.db, self.outbox)

    def run_once(self, now: datetime | None = None) -> int:
        """One tick; returns how many delivery attempts it made."""
        moment = now or self.ledger.clock.now()
        self.catch_up()
        if self.raise_waiting() + self.raise_unacknowledged(moment):
            self.catch_up()
        attempts = self.deliver_due(moment)
        if attempts:
            self.catch_up()
        return attempts

    # -- raising ------------------------------------------------------------------------------

    def raise_waiting(self) -> int:
        rows = waiting_notices(self.db, self._generation, BATCH)
        for row in rows:
            self._raise(
                source=row["source"],
                rule=row["rule"],
                record_kind=row["record_kind"],
                record_id=UUID(row["record_id"]),
                due=row["due"],
                facts=json.loads(row["facts"]),
            )
        return len(rows)

    def raise_unacknowledged(self, now: datetime) -> int:
        """A notice for each escalation still unacknowledged past the policy's limit."""
        trigger = self.ledger.policy.notifications.trigger(TIMED)
        if trigger is None or trigger.after is None:
            return 0
        rows = escalations_waiting_since(self.db, self._generation, now - trigger.after, BATCH)
        for row in rows:
            self._raise(
                source=f"escalation:{row['escalation_id']}:unacknowledged",
                rule=TIMED,
                record_kind=row["subject_kind"],
                record_id=UUID(row["subject_id"]),
                due=row["raised_at"] + trigger.after,
                facts={"escalation_id": row["escalation_id"], "level": row["level"]},
            )
        return len(rows)

    def _raise(
        self,
        *,
        source: str,
        rule: str,
        record_kind: str,
        record_id: UUID,
        due: datetime | None,
        facts: dict[str, str],
    ) -> Notice | None:
        try:
            reference, record = self._record_facts(rule, record_kind, record_id, facts)
        except LedgerError as error:  # the record is gone or unreadable: nobody to tell
            log.warning("notice %s of %s not raised: %s", rule, record_id, error)
            reference, record = str(record_id), RecordFacts(department=None)
        trigger = self.ledger.policy.notifications.triggers[rule]
        staff = resolve(trigger.to, record, self.directory, self.ledger.policy.notifications)
        recipients = [f"staff:{staff_id}" for staff_id in staff.staff]
        recipients += webhooks_for(rule, record.department, self.subscriptions)
        return self.ledger.raise_notice(
            source=source,
            rule=rule,
            recipients=recipients,
            nobody=staff.nobody,
            record_kind=record_kind,
            record_id=record_id,
            reference=reference,
            department=record.department,
            due=due,
            facts=facts,
        )

    def _record_facts(
        self, rule: str, record_kind: str, record_id: UUID, facts: dict[str, str]
    ) -> tuple[str, RecordFacts]:
        if record_kind == "incident":
            incident = self.ledger.get_incident(record_id)
            involved = list(incident.departments or [])
            item = incident.action_items.get(facts.get("item_id", ""))
            return incident.reference, RecordFacts(
                department=involved[0] if involved else None,
                # An action item's clocks are its owner's; the incident's, its lead's.
                owner=item["owner"] if item else incident.roles.get("incident_lead"),
                escalation_level=facts.get("level"),
                incident_level=facts.get("level") or incident.level,
            )
        complaint = self.ledger.get_complaint(record_id)
        departments: dict[str, str] = {}
        department = complaint.department
        if "handoff_id" in facts:
            handoff = self.ledger.get_handoff(UUID(facts["handoff_id"]))
            departments = {"receiving": handoff.to_department, "sending": handoff.from_department}
            if rule.startswith("handoff"):
                department = handoff.to_department
        return complaint.reference, RecordFacts(
            department=department,
            owner=complaint.owner,
            departments=departments,
            escalation_level=facts.get("level"),
        )

    # -- delivering ---------------------------------------------------------------------------

    def deliver_due(self, now: datetime) -> int:
        rows = due_notifications(self.db, self._generation, now, BATCH)
        for row in rows:
            self._attempt(row, now)
        return len(rows)

    def _attempt(self, row: Row, now: datetime) -> None:
        notice = self.ledger.get_notice(UUID(row["notice_id"]))
        recipient: str = row["recipient"]
        if notice.states.get(recipient) not in ("pending", "failed"):
            return  # recorded already; the outbox has not caught up with it yet
        answer = self._send(notice, recipient)
        attempt = int(row["round_attempts"]) + 1
        retry_at = None
        if not answer.delivered and attempt < self.settings.max_attempts:
            retry_at = now + self.settings.first_retry * (2 ** (attempt - 1))
        self.ledger.record_delivery(
            notice.id,
            recipient=recipient,
            attempt=int(row["attempts"]) + 1,
            status=answer.status,
            answer=answer.text,
            delivered=answer.delivered,
            retry_at=retry_at,
        )

    def _send(self, notice: Notice, recipient: str) -> Answer:
        message = message_for(notice, recipient, base_url=self.settings.base_url)
        kind, _, name = recipient.partition(":")
        if kind == "webhook":
            subscription = self.subscriptions.get(UUID(name))
            secret = self.subscriptions.secret(UUID(name)) if subscription else None
            if subscription is None or secret is None:
                return Answer(False, 0, "the subscription was removed")
            return post_webhook(subscription.url, secret, message, at=self.wall.now())
        member = self.directory.get(name)
        if member is None:
            return Answer(False, 0, "not in the staff directory")
        if self.settings.smtp is None:
            return Answer(False, 0, "e-mail is not configured")
        answer = send_email(self.settings.smtp, member.email, message)
        # The address is the staff member's own: it is never recorded in the ledger's events.
        return Answer(
            answer.delivered, answer.status, answer.text.replace(member.email, "<address>")
        )
