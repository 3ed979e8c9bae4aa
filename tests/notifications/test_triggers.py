"""Triggers beyond a single event: a clock's warning, a complaint's or an incident's (an event
the escalation process records), an escalation left unacknowledged past the policy's limit (on
the notifier's clock), and who an audience names in the staff directory, or that it names
nobody."""

from datetime import timedelta
from uuid import UUID

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.notifications.notice import Notice
from ledger.staff.directory import StaffDirectory, StaffMember
from ledger.values import Actor
from projections.engine.read_side import ReadSide
from projections.notifications.notifier import Notifier
from projections.notifications.recipients import RecordFacts, resolve
from tests.projections.conftest import AGENT, new_complaint

SUPERVISOR = Actor("sup-1", "supervisor", "service")
INCIDENT_MANAGER = Actor("im-1", "incident_manager")


def _notices(ledger: LedgerApplication, rule: str) -> list[Notice]:
    found = []
    for n in ledger.recorder.select_notifications(start=1, limit=10_000):
        if n.topic.endswith("Notice.Raised"):
            notice = ledger.get_notice(n.originator_id)
            if notice.rule == rule:
                found.append(notice)
    return found


def _events(ledger: LedgerApplication, stream: UUID, name: str) -> list[object]:
    return [e for e in ledger.events.get(stream) if type(e).__name__ == name]


def test_a_clock_past_its_warning_mark_is_an_event_recorded_once(
    ledger: LedgerApplication, clock: ManualClock, read_side: ReadSide
) -> None:
    cid = new_complaint(ledger, priority="urgent")  # first response in 2 h: warned at 96 min
    clock.advance(timedelta(minutes=95))
    read_side.catch_up()
    read_side.escalate_overdue()
    assert _events(ledger, cid, "DeadlineWarned") == []
    clock.advance(timedelta(minutes=2))
    for _ in range(2):
        read_side.catch_up()
        read_side.escalate_overdue()
    warned = _events(ledger, cid, "DeadlineWarned")
    assert [(e.clock, e.due) for e in warned] == [  # type: ignore[attr-defined]
        ("first_response", ledger.get_complaint(cid).first_response_due)
    ]


def test_a_warning_is_told_to_the_owner_from_its_event(
    ledger: LedgerApplication,
    clock: ManualClock,
    read_side: ReadSide,
    notifier: Notifier,
    smtp: tuple,
) -> None:
    cid = new_complaint(ledger, priority="urgent")
    clock.advance(timedelta(minutes=97))
    read_side.catch_up()
    read_side.escalate_overdue()
    notifier.run_once()
    [notice] = _notices(ledger, "sla_warning")
    [warned] = _events(ledger, cid, "DeadlineWarned")
    assert notice.source == f"{cid}:{warned.originator_version}"  # type: ignore[attr-defined]
    assert notice.recipients == ["staff:agent-7"]
    assert [m["X-Envelope-To"] for m in smtp[1].messages] == ["agent7@staff.test"]


def test_an_incident_clock_past_its_warning_mark_is_an_event_told_from_it(
    ledger: LedgerApplication, clock: ManualClock, read_side: ReadSide, notifier: Notifier
) -> None:
    incident = ledger.report_incident(  # assessed within 2 h: warned at 96 min
        title="Gateway down", description="Card payments fail", actor=INCIDENT_MANAGER
    )
    clock.advance(timedelta(minutes=97))
    for _ in range(2):
        read_side.catch_up()
        read_side.escalate_overdue()
    [warned] = _events(ledger, incident.id, "DeadlineWarned")
    assert (warned.clock, warned.due) == ("assess", incident.assess_due)  # type: ignore[attr-defined]
    notifier.run_once()
    [notice] = _notices(ledger, "incident_deadline_near")
    assert notice.source == f"{incident.id}:{warned.originator_version}"  # type: ignore[attr-defined]
    assert notice.recipients == ["staff:im-1"]


def test_an_escalation_left_unacknowledged_past_the_limit_is_told_to_its_level_and_above(
    ledger: LedgerApplication, clock: ManualClock, notifier: Notifier, smtp: tuple
) -> None:
    cid = new_complaint(ledger, priority="normal")
    escalation = ledger.raise_escalation(
        complaint_id=cid, level="supervisor", reason="customer insists", actor=AGENT
    )
    clock.advance(timedelta(hours=1, minutes=59))
    notifier.run_once()
    assert _notices(ledger, "escalation_unacknowledged") == []
    clock.advance(timedelta(minutes=1))
    notifier.run_once()
    [notice] = _notices(ledger, "escalation_unacknowledged")
    assert notice.facts == {"escalation_id": str(escalation.id), "level": "supervisor"}
    assert notice.due == escalation.raised_at + timedelta(hours=2)
    assert notice.recipients == ["staff:mgr-1", "staff:sup-1"]
    clock.advance(timedelta(hours=5))
    notifier.run_once()  # told once about one wait
    assert len(_notices(ledger, "escalation_unacknowledged")) == 1
    told = sorted(m["X-Envelope-To"] for m in smtp[1].messages if "unacknowledged" in m["Subject"])
    assert told == ["mgr1@staff.test", "sup1@staff.test"]


def test_an_escalation_acknowledged_in_time_is_not_reminded(
    ledger: LedgerApplication, clock: ManualClock, notifier: Notifier
) -> None:
    cid = new_complaint(ledger, priority="normal")
    escalation = ledger.raise_escalation(
        complaint_id=cid, level="supervisor", reason="customer insists", actor=AGENT
    )
    clock.advance(timedelta(hours=1))
    ledger.acknowledge_escalation(escalation.id, actor=SUPERVISOR)
    clock.advance(timedelta(hours=3))
    notifier.run_once()
    assert _notices(ledger, "escalation_unacknowledged") == []


def test_a_notice_whose_audience_names_nobody_in_the_directory_records_it(
    ledger: LedgerApplication,
    clock: ManualClock,
    read_side: ReadSide,
    notifier: Notifier,
    directory: StaffDirectory,
) -> None:
    directory.remove("agent-7")  # the owner has left
    new_complaint(ledger, priority="urgent")
    clock.advance(timedelta(hours=2, minutes=1))
    read_side.catch_up()
    read_side.escalate_overdue()
    notifier.run_once()
    [breach] = _notices(ledger, "sla_breached")
    assert breach.nobody == ["owner"]
    assert breach.recipients == ["staff:sup-1"]  # next level up: the department's supervisor


def test_a_handoff_request_is_told_to_the_receiving_departments_staff(
    ledger: LedgerApplication, notifier: Notifier, smtp: tuple
) -> None:
    cid = new_complaint(ledger)
    ledger.request_handoff(complaint_id=cid, to_department="technical", reason="fault", actor=AGENT)
    notifier.run_once()
    [notice] = _notices(ledger, "handoff_requested")
    assert (notice.recipients, notice.nobody) == (["staff:tech-3"], [])
    assert [m["X-Envelope-To"] for m in smtp[1].messages] == ["tech3@staff.test"]


def test_an_action_item_owner_is_a_recipient_only_once_in_the_directory(
    ledger: LedgerApplication, directory: StaffDirectory
) -> None:
    facts = RecordFacts(department="quality", owner="quality-lead")
    policy = ledger.policy.notifications
    assert resolve(("owner",), facts, directory, policy).nobody == ["owner"]
    directory.put(StaffMember("quality-lead", "Q Lead", "ql@staff.test", "quality", "manager"))
    found = resolve(("owner",), facts, directory, policy)
    assert (found.staff, found.nobody) == (["quality-lead"], [])
