"""Many closed complaints at once (for the kill-and-rerun test and the throughput figure)."""

from datetime import datetime, timedelta
from uuid import UUID, uuid4

from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.values import Actor, Customer
from privacy.fields import Personal

AGENT = Actor(staff_id="agent-7", role="agent", department="service")


def closed_complaint_aggregate(
    ledger: LedgerApplication, number: int, subject: UUID, *, at: datetime, prefix: str = "CMP"
) -> Complaint:
    """One complaint of `subject` (whose key exists), taken through to closure at `at`."""
    complaint = Complaint.register(
        reference=f"{prefix}-{at.year}-{number:06d}",
        channel="phone",
        customer=Customer(subject_id=subject, name=Personal.of(subject, f"Bulk {number}")),
        summary=Personal.of(subject, "summary"),
        description=Personal.of(subject, "description"),
        department="service",
        actor=AGENT,
        at=at,
    )
    complaint.classify(
        category="complaint",
        priority="normal",
        customer_tier="standard",
        deadlines=ledger.policy.complaint_deadlines(
            registered_at=at, priority="normal", tier="standard"
        ),
        actor=AGENT,
        at=at,
    )
    complaint.assign(owner="agent-7", reason=None, actor=AGENT, at=at)
    complaint.resolve(
        resolution=Personal.of(subject, "refunded"),
        feedback_due=at + timedelta(days=1),
        actor=AGENT,
        at=at,
    )
    complaint.record_feedback(
        satisfaction=5, comment=None, reopen_at_or_below=2, actor=AGENT, at=at
    )
    complaint.close(waiver_reason=None, actor=AGENT, at=at)
    return complaint


def closed_complaints(ledger: LedgerApplication, count: int, *, at: datetime) -> list[Complaint]:
    """`count` complaints registered, classified, assigned, resolved, rated and closed at `at`."""
    made: list[Complaint] = []
    batch: list[Complaint] = []
    for number in range(1, count + 1):
        subject = uuid4()
        ledger.keys.prepare_new_subject(subject)
        batch.append(closed_complaint_aggregate(ledger, number, subject, at=at))
        if len(batch) == 200:
            ledger.save(*batch)
            made += batch
            batch = []
    if batch:
        ledger.save(*batch)
        made += batch
    return made
