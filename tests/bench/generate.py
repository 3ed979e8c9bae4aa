"""Bulk data for large runs, fast: events built in memory, batched through the recorder.

No HTTP and no per-event transaction: aggregates are driven by their own command methods (so
every event is one the domain could have produced), mapped by the application's mapper (so
personal fields are encrypted as usual), and inserted with the recorder's normal
`insert_events`, `batch` events per transaction (so the event-table triggers, and the hash chain
when it lands, see every row).
"""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

from eventsourcing.persistence import StoredEvent

from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.values import PRIORITIES, Actor, Customer
from privacy.fields import Personal

GENERATOR = Actor("bench-generator", "agent", "service")


def generate_person(
    app: LedgerApplication,
    *,
    subject_id: UUID,
    events: int,
    at: datetime,
    per_complaint: int = 1_000,
    batch: int = 1_000,
) -> int:
    """Store `events` events about one person (complaints with progress notes); return the count."""
    made = 0
    number = 0
    while made < events:
        number += 1
        count = min(per_complaint, events - made)
        complaint = Complaint.register(
            reference=f"GEN-{subject_id.hex[:12]}-{number:06d}",
            channel="phone",
            customer=Customer(
                subject_id=subject_id,
                name=Personal.of(subject_id, "Generated Person"),
                phone=Personal.of(subject_id, "13800000000"),
            ),
            summary=Personal.of(subject_id, "Generated complaint"),
            description=Personal.of(subject_id, "Generated for the benchmarks"),
            department="service",
            actor=GENERATOR,
            at=at,
        )
        for n in range(count - 1):
            complaint.note_progress(
                note=Personal.of(subject_id, f"Generated note {n}"), actor=GENERATOR, at=at
            )
        stored = [app.mapper.to_stored_event(e) for e in complaint.collect_events()]
        for start in range(0, len(stored), batch):
            app.recorder.insert_events(stored[start : start + batch])
        made += count
    return made


def generate_events(
    app: LedgerApplication,
    *,
    events: int,
    at: datetime,
    subjects: int = 1_000,
    per_complaint: int = 10,
    batch: int = 1_000,
    prefix: str = "GEN",
) -> int:
    """Store `events` events over many complaints (a register and notes each), `subjects` people.

    For the large runs (catch-up, verify, queries over ≥ 1 M events): events of many complaints
    share each insert, so the rate is the mapper's (JSON and AES-GCM), not the database's.
    """
    people = [uuid4() for _ in range(max(1, subjects))]
    pending: list[StoredEvent] = []
    made = 0
    number = 0
    while made < events:
        number += 1
        subject = people[number % len(people)]
        count = min(per_complaint, events - made)
        complaint = Complaint.register(
            reference=f"{prefix}-{number:09d}",
            channel="phone",
            customer=Customer(subject_id=subject, name=Personal.of(subject, "Generated Person")),
            summary=Personal.of(subject, "Generated complaint"),
            description=Personal.of(subject, "Generated for the benchmarks"),
            department="service",
            actor=GENERATOR,
            at=at,
        )
        for n in range(count - 1):
            complaint.note_progress(
                note=Personal.of(subject, f"Generated note {n}"), actor=GENERATOR, at=at
            )
        pending.extend(app.mapper.to_stored_event(e) for e in complaint.collect_events())
        made += count
        if len(pending) >= batch:
            app.recorder.insert_events(pending)
            pending = []
    if pending:
        app.recorder.insert_events(pending)
    return made


def generate_closed_complaints(
    app: LedgerApplication, *, cases: int, at: datetime, batch: int = 1_000
) -> int:
    """Store `cases` closed complaints of one new person each (7 events a case), `batch` events
    per insert: the retention run's input at 100 k cases without 100 k application saves."""
    from tests.retention.bulk import closed_complaint_aggregate  # the tests' own closed case

    per_insert = max(1, batch // 7)
    for first in range(1, cases + 1, per_insert):
        numbers = range(first, min(cases, first + per_insert - 1) + 1)
        people = [uuid4() for _ in numbers]
        app.keys.prepare_new_subjects(people)
        pending: list[StoredEvent] = []
        for number, subject in zip(numbers, people, strict=True):
            complaint = closed_complaint_aggregate(app, number, subject, at=at, prefix="RET")
            pending.extend(app.mapper.to_stored_event(e) for e in complaint.collect_events())
        app.recorder.insert_events(pending)
    return cases


def generate_notices(
    app: LedgerApplication, *, events: int, at: datetime, batch: int = 1_000
) -> int:
    """Store about `events` events of the notification trail: automatic escalations and, for
    each, its notice to three recipients with every delivery attempt (one retried), 7 events a
    notice; return how many were stored. The outbox's input, without a running notifier."""
    from ledger.cases.escalation import Escalation
    from ledger.notifications.notice import Notice

    recipients = ["staff:sup-1", "staff:mgr-1", "webhook:bench"]
    pending: list[StoredEvent] = []
    made = 0
    while made < events:
        escalation = Escalation.raise_(
            subject_kind="complaint",
            subject_id=uuid4(),
            level="supervisor",
            current_rank=0,
            reason="the first response deadline passed",
            skip_reason=None,
            automatic=True,
            rule="sla.first_response.breached",
            actor=GENERATOR,
            at=at,
        )
        notice = Notice(
            source=f"{escalation.id}:1",
            rule="escalation_raised",
            record_kind="complaint",
            record_id=escalation.subject_id,
            reference="GEN-NOTICE",
            department="service",
            due=None,
            facts={"escalation_id": str(escalation.id), "level": "supervisor"},
            recipients=recipients,
            nobody=[],
            timestamp=at,
        )
        for n, recipient in enumerate(recipients, start=1):
            if recipient.startswith("webhook:"):
                failed = {"status": 503, "answer": "Service Unavailable", "retry_at": at}
                notice.record_attempt(
                    recipient=recipient, attempt=n, delivered=False, at=at, **failed
                )
            delivered = {"status": 250, "answer": "accepted", "retry_at": None}
            notice.record_attempt(
                recipient=recipient, attempt=n, delivered=True, at=at, **delivered
            )
        stored = [
            app.mapper.to_stored_event(e)
            for aggregate in (escalation, notice)
            for e in aggregate.collect_events()
        ]
        pending.extend(stored)
        made += len(stored)
        if len(pending) >= batch:
            app.recorder.insert_events(pending)
            pending = []
    if pending:
        app.recorder.insert_events(pending)
    return made


def generate_worked_cases(
    app: LedgerApplication,
    *,
    cases: int,
    at: datetime,
    owners: Sequence[str],
    subjects: int = 1_000,
    batch: int = 1_000,
    prefix: str = "CMP-2000",
) -> int:
    """Store `cases` complaints as staff leave them mid-way (registered, classified, assigned
    to one of `owners` in turn, one progress note: 4 events each) over the policy's
    departments, categories and priorities; return the count of events stored.

    The console's and the HTTP lists' data set: every case has clocks, an owner and a history,
    and a reference the console's paths take (`CMP-2000-000000001`: a year no live case has).
    """
    policy = app.policy
    people = [uuid4() for _ in range(max(1, subjects))]
    pending: list[StoredEvent] = []
    made = 0
    for number in range(1, cases + 1):
        subject = people[number % len(people)]
        priority = PRIORITIES[number % len(PRIORITIES)]
        category = policy.categories[number % len(policy.categories)]
        complaint = Complaint.register(
            reference=f"{prefix}-{number:09d}",
            channel="phone",
            customer=Customer(subject_id=subject, name=Personal.of(subject, "Generated Person")),
            summary=Personal.of(subject, "Generated complaint"),
            description=Personal.of(subject, "Generated for the benchmarks"),
            department=policy.departments[number % len(policy.departments)],
            actor=GENERATOR,
            at=at,
        )
        complaint.classify(
            category=category,
            priority=priority,
            customer_tier="standard",
            deadlines=policy.complaint_deadlines(
                registered_at=at, priority=priority, tier="standard", category=category
            ),
            actor=GENERATOR,
            at=at,
        )
        complaint.assign(owner=owners[number % len(owners)], reason=None, actor=GENERATOR, at=at)
        complaint.note_progress(note=Personal.of(subject, "Called back"), actor=GENERATOR, at=at)
        events = complaint.collect_events()
        pending.extend(app.mapper.to_stored_event(e) for e in events)
        made += len(events)
        if len(pending) >= batch:
            app.recorder.insert_events(pending)
            pending = []
    if pending:
        app.recorder.insert_events(pending)
    return made
