"""The scenario of clocks that always run: a complaint and an incident driven through warnings,
breaches, escalations and an overdue action item on an injected clock, on PostgreSQL, with a
real SMTP server and a real webhook receiver on loopback.

Who was told what, and when, is read back from the audit trail: the `Delivered` events of the
notices about each record. The scenario *is* the behaviour, so each test asserts at every step.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.notifications.subscriptions import Subscriptions
from ledger.values import Actor
from projections.engine.read_side import ReadSide
from projections.notifications.notifier import Notifier
from projections.notifications.queries import notices_of
from tests.conftest import START
from tests.notifications.conftest import WebhookReceiver
from tests.projections.conftest import AGENT

MANAGER = Actor("mgr-1", "manager", "service")
EXECUTIVE = Actor("exec-1", "executive")
INCIDENT_MANAGER = Actor("im-1", "incident_manager")
TECH = Actor("tech-3", "department_staff", "technical")
Told = tuple[str, str, str]  # rule, what about (a clock or a level), recipient


@dataclass
class Trail:
    """What the notices about one record say was delivered, step by step."""

    ledger: LedgerApplication
    read_side: ReadSide
    notifier: Notifier
    clock: ManualClock
    record_id: UUID
    seen: set[tuple[UUID, str]] = field(default_factory=set)

    def tick(self, at: datetime) -> set[Told]:
        """Move to `at`, run the escalation process (it records the warnings and breaches) and
        the notifier; what was newly told."""
        self.clock.set(at)
        side = self.read_side
        side.catch_up()
        side.escalate_overdue()
        self.notifier.run_once()
        side.catch_up(["outbox"])
        told: set[Told] = set()
        for notice_id in notices_of(side.db, side.generation("outbox"), str(self.record_id)):
            notice = self.ledger.get_notice(UUID(notice_id))
            about = notice.facts.get("clock") or notice.facts.get("level") or ""
            for event in self.ledger.events.get(notice.id):
                if type(event).__name__ != "Delivered" or (notice.id, event.recipient) in self.seen:
                    continue
                self.seen.add((notice.id, event.recipient))
                assert event.timestamp == at  # told at this very tick, not later
                recipient = "webhook" if event.recipient.startswith("webhook:") else event.recipient
                told.add((notice.rule, about.partition(":")[0], recipient))
        return told


def _subscribe(subscriptions: Subscriptions, webhook: WebhookReceiver) -> None:
    subscriptions.add(
        url=webhook.url, secret=webhook.secret, kinds=(), departments=(), at=START, by="admin-1"
    )


def _told(rule: str, about: str, *staff: str) -> set[Told]:
    return {(rule, about, f"staff:{s}") for s in staff} | {(rule, about, "webhook")}


def test_a_complaint_is_told_through_its_clocks_from_contact_to_a_second_round(
    ledger: LedgerApplication,
    clock: ManualClock,
    read_side: ReadSide,
    notifier: Notifier,
    subscriptions: Subscriptions,
    webhook: WebhookReceiver,
    smtp: tuple,
) -> None:
    _subscribe(subscriptions, webhook)
    complaint = ledger.register_complaint(
        channel="phone",
        customer_name="Wang Wu",
        summary="Router keeps rebooting",
        description="Since the update",
        first_contact_at=START - timedelta(hours=30),  # registration was due 6 h ago
        actor=AGENT,
    )
    ledger.classify_complaint(complaint.id, category="complaint", priority="urgent", actor=AGENT)
    ledger.assign_complaint(complaint.id, actor=AGENT)
    trail = Trail(ledger, read_side, notifier, clock, complaint.id)

    # The late registration breaches at once and goes to the supervisor.
    assert trail.tick(START) == _told("sla_breached", "registration", "agent-7", "sup-1") | (
        _told("escalation_raised", "supervisor", "sup-1")
    )
    # 80 % of the 2 h first response: the owner is warned before the deadline.
    assert trail.tick(START + timedelta(minutes=100)) == _told(
        "sla_warning", "first_response", "agent-7"
    )
    # The deadline passes: breach, and the next rung up, the manager. The supervisor's
    # escalation has waited 2 h unacknowledged: its level and the one above hear of it.
    assert trail.tick(START + timedelta(hours=2, minutes=1)) == _told(
        "sla_breached", "first_response", "agent-7", "sup-1"
    ) | _told("escalation_raised", "manager", "mgr-1") | _told(
        "escalation_unacknowledged", "supervisor", "sup-1", "mgr-1"
    )

    # A reply promised for 3 h is not kept: warned, then breached up to the executive.
    clock.set(START + timedelta(hours=2, minutes=30))
    ledger.respond_to_complaint(complaint.id, message="Looking into it", actor=AGENT)
    clock.set(START + timedelta(hours=2, minutes=31))
    ledger.promise_reply(complaint.id, due=START + timedelta(hours=3), actor=AGENT)
    assert trail.tick(START + timedelta(hours=2, minutes=56)) == _told(
        "sla_warning", "promise", "agent-7"
    )
    assert trail.tick(START + timedelta(hours=3, minutes=1)) == _told(
        "sla_breached", "promise", "agent-7", "sup-1"
    ) | _told("escalation_raised", "executive", "exec-1")

    # The escalations taken on, it is resolved: a survey is owed; the 24 h confirmation clock
    # warns, then breaches (no rung is left above the executive, so no further escalation).
    resolved_at = START + timedelta(hours=3, minutes=30)
    clock.set(resolved_at)
    for escalation_id in list(ledger.get_complaint(complaint.id).open_escalations):
        ledger.acknowledge_escalation(UUID(escalation_id), actor=EXECUTIVE)
    ledger.resolve_complaint(complaint.id, resolution="Firmware rolled back", actor=AGENT)
    assert trail.tick(resolved_at) == _told("feedback_survey_owed", "", "agent-7")
    assert trail.tick(resolved_at + timedelta(hours=20)) == _told(
        "sla_warning", "confirmation", "agent-7"
    )
    assert trail.tick(resolved_at + timedelta(hours=24, minutes=1)) == _told(
        "sla_breached", "confirmation", "agent-7", "sup-1"
    )

    # The unhappy customer reopens it: the second round has a resolution clock of its own.
    reopened_at = resolved_at + timedelta(hours=25)
    clock.set(reopened_at)
    ledger.record_feedback(complaint.id, satisfaction=1, actor=AGENT)
    assert trail.tick(reopened_at + timedelta(hours=20)) == _told(
        "sla_warning", "resolution", "agent-7"
    )

    # The receivers got exactly what the trail says was delivered to them.
    staff = {t for t in trail.seen if t[1].startswith("staff:")}
    assert len(smtp[1].messages) == len(staff)
    assert len(webhook.received) == len(trail.seen) - len(staff)


def test_an_incident_is_told_through_its_deadlines_to_an_overdue_action_item(
    ledger: LedgerApplication,
    clock: ManualClock,
    read_side: ReadSide,
    notifier: Notifier,
    subscriptions: Subscriptions,
    webhook: WebhookReceiver,
    smtp: tuple,
) -> None:
    _subscribe(subscriptions, webhook)
    incident = ledger.report_incident(
        title="Payment gateway down", description="Card payments fail", actor=INCIDENT_MANAGER
    )
    trail = Trail(ledger, read_side, notifier, clock, incident.id)
    assert trail.tick(START) == _told("incident_reported", "", "im-1")
    # The 2 h assessment: near at 80 %, then missed and escalated to a supervisor.
    assert trail.tick(START + timedelta(minutes=100)) == _told(
        "incident_deadline_near", "assess", "im-1"
    )
    assert trail.tick(START + timedelta(hours=2, minutes=1)) == _told(
        "incident_deadline_missed", "assess", "im-1", "sup-1"
    ) | _told("escalation_raised", "supervisor", "sup-1")

    # Level II: its audience hears of it; the response owes a status update every hour.
    clock.set(START + timedelta(hours=2, minutes=10))
    ledger.assess_incident(
        incident.id,
        level="II",
        impact="card payments",
        departments=["service"],
        actor=INCIDENT_MANAGER,
    )
    clock.set(START + timedelta(hours=2, minutes=20))
    ledger.activate_response(
        incident.id, plan="fail over", roles={"incident_lead": "im-1"}, actor=INCIDENT_MANAGER
    )
    assert trail.tick(START + timedelta(hours=2, minutes=20)) == _told(
        "incident_level", "II", "mgr-1", "im-1"
    )
    assert trail.tick(START + timedelta(hours=3, minutes=10)) == _told(
        "status_update_due", "status_update", "im-1"
    )
    # The missed status update is a breach like any other: the next rung, the manager.
    assert trail.tick(START + timedelta(hours=3, minutes=21)) == _told(
        "incident_deadline_missed", "status_update", "im-1", "sup-1"
    ) | _told("escalation_raised", "manager", "mgr-1")

    # Updated, mitigated, escalations settled, resolved and reviewed, with one action item.
    clock.set(START + timedelta(hours=3, minutes=30))
    ledger.log_incident_entry(
        incident.id, kind="status_update", text="failover done", actor=INCIDENT_MANAGER
    )
    ledger.mitigate_incident(incident.id, summary="standby serving", actor=INCIDENT_MANAGER)
    for escalation_id in list(ledger.get_incident(incident.id).open_escalations):
        ledger.acknowledge_escalation(UUID(escalation_id), actor=MANAGER)
        ledger.resolve_escalation(UUID(escalation_id), outcome="handled", actor=MANAGER)
    clock.set(START + timedelta(hours=4))
    ledger.resolve_incident(incident.id, summary="gateway repaired", actor=INCIDENT_MANAGER)
    clock.set(START + timedelta(hours=4, minutes=10))
    ledger.review_incident(
        incident.id,
        contributing_factors=["config push"],
        went_well=["paging"],
        actor=INCIDENT_MANAGER,
    )
    ledger.add_incident_action_item(
        incident.id,
        description="Canary config pushes",
        owner="tech-3",
        due=START + timedelta(days=2),
        actor=INCIDENT_MANAGER,
    )
    assert trail.tick(START + timedelta(hours=4, minutes=10)) == set()

    # The action item: due soon to its owner, then overdue to the owner and a supervisor.
    assert trail.tick(START + timedelta(hours=40)) == _told(
        "action_item_due_soon", "action", "tech-3"
    )
    assert trail.tick(START + timedelta(days=2, minutes=1)) == _told(
        "action_item_overdue", "action", "tech-3", "sup-1"
    ) | _told("escalation_raised", "supervisor", "sup-1")
    # Each missed deadline is on the incident's own stream, once.
    breaches = ledger.get_incident(incident.id).breaches
    assert [b.partition(":")[0] for b in breaches] == ["assess", "status_update", "action"]
