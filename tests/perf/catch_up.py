"""Measure projection catch-up against the raw notification read (not a test; for `make bench`).

    .venv/bin/python -m tests.perf.catch_up 'postgresql://postgres@127.0.0.1:5432/test?schema=perf' 90000

Writes N events (complaints registered, classified and assigned, 300 complaints per save) into
a fresh store, then reads the log raw and catches each projection up from zero.
"""

import sys
import time
from datetime import UTC, datetime
from uuid import uuid4

from ledger.application import LedgerApplication
from ledger.clock import ManualClock
from ledger.complaint import Complaint
from ledger.store.settings import settings_for_url
from ledger.values import Actor, Customer
from privacy.fields import Personal
from privacy.master_key import MasterKeyring, key_id_for
from projections.batch import catch_up
from projections.read_side import ReadSide

KEY = bytes(range(32))


def main(url: str, count: int) -> None:
    key_id = key_id_for(KEY)
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    app = LedgerApplication(
        settings_for_url(url),
        keyring=MasterKeyring(current_id=key_id, keys={key_id: KEY}, source="perf"),
        clock=clock,
    )
    actor = Actor("agent-7", "agent", "service")
    deadlines = app.policy.complaint_deadlines(
        registered_at=clock.now(), priority="normal", tier="standard"
    )
    subject = uuid4()
    started, made = time.perf_counter(), 0
    while made < count:
        batch = []
        for i in range(300):
            complaint = Complaint.register(
                reference=f"CMP-2026-{made // 3 + i:07d}",
                channel="phone",
                customer=Customer(subject_id=subject, name=Personal.of(subject, "x")),
                summary=Personal.of(subject, "s"),
                description=Personal.of(subject, "d"),
                department="service",
                actor=actor,
                at=clock.now(),
            )
            complaint.classify(
                category="complaint",
                priority="normal",
                customer_tier="standard",
                deadlines=deadlines,
                actor=actor,
                at=clock.now(),
            )
            complaint.assign(owner="agent-7", reason=None, actor=actor, at=clock.now())
            batch.append(complaint)
        app.save(*batch)
        made += 900
    print(f"wrote {made} events in {time.perf_counter() - started:.1f} s")
    side = ReadSide(app)
    started, read, position = time.perf_counter(), 0, 0
    while notifications := app.recorder.select_notifications(start=position + 1, limit=1000):
        position, read = notifications[-1].id, read + len(notifications)
    raw = read / (time.perf_counter() - started)
    print(f"raw notification read: {raw:.0f} events/s")
    for name in side.projections:
        started = time.perf_counter()
        applied = catch_up(app, side.db, side.projection(name))
        rate = applied / (time.perf_counter() - started)
        print(f"{name} catch-up: {rate:.0f} events/s (ratio {rate / raw:.2f} of the raw read)")
    app.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
