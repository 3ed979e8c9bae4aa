"""Helpers for the tamper-evidence tests: a scripted ledger and raw rows."""

from datetime import timedelta

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.values import Actor

AGENT = Actor(staff_id="agent-7", role="agent", department="service")


def register(ledger: LedgerApplication, clock: ManualClock, n: int = 1) -> list[str]:
    """Register `n` complaints, each classified and assigned (three events each); their ids."""
    ids = []
    for i in range(n):
        complaint = ledger.register_complaint(
            channel="phone",
            customer_name=f"Customer {i}",
            summary="Parcel arrived broken",
            description="The parcel arrived crushed.",
            actor=AGENT,
        )
        ledger.classify_complaint(
            complaint.id, category="complaint", priority="urgent", actor=AGENT
        )
        ledger.assign_complaint(complaint.id, actor=AGENT)
        clock.advance(timedelta(minutes=1))
        ids.append(str(complaint.id))
    return ids
