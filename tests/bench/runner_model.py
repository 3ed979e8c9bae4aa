"""Catch-up of case_status: our batched rebuild vs the library's per-event model (lower bound).

Run: `.venv/bin/python -m tests.bench.runner_model [EVENTS]` (ADR 0003).

The library's ProjectionRunner decodes each event with the application's mapper
(ApplicationSubscription) and calls process_event, whose view writes the event's row and its
tracking in one transaction per event. The lower bound below does only that: decode, then one
transaction per event holding one upsert of the complaint's row and `_insert_tracking`.
"""

import sys
import time
import uuid

import psycopg
from eventsourcing.persistence import Tracking

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.store.settings import settings_for_url
from privacy.keys.master_key import MasterKeyring, key_id_for
from projections.engine.read_side import ReadSide
from tests.conftest import START, TEST_MASTER_KEY
from tests.database import server_url
from tests.projections.conftest import AGENT, new_complaint

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
base = server_url()
schema = f"h3m_{uuid.uuid4().hex[:8]}"
with psycopg.connect(base, autocommit=True) as c:
    c.execute(f"CREATE SCHEMA {schema}")
try:
    kid = key_id_for(TEST_MASTER_KEY)
    app = LedgerApplication(
        settings_for_url(f"{base}?schema={schema}"),
        keyring=MasterKeyring(current_id=kid, keys={kid: TEST_MASTER_KEY}, source="t"),
        clock=ManualClock(START),
    )
    for _ in range(N):
        cid = new_complaint(app)
        app.respond_to_complaint(cid, message="ok", actor=AGENT)
    side = ReadSide(app)
    head = side.head()
    ours = []
    for _ in range(3):
        t = time.perf_counter()
        side.rebuild("case_status")
        ours.append(head / (time.perf_counter() - t))
    db = side.db
    with db.transaction() as c:
        c.execute(
            f'CREATE TABLE "{schema}".lib_view (id text PRIMARY KEY, last timestamptz, n int)'
        )
    lib = []
    for r in range(3):
        name = f"lib{r}"
        t = time.perf_counter()
        position = 0
        while batch := list(app.recorder.select_notifications(start=position + 1, limit=500)):
            for n in batch:
                event = app.mapper.to_domain_event(n)
                with db.view_transaction() as c:
                    c.execute(
                        f'INSERT INTO "{schema}".lib_view VALUES (%s, %s, 1) ON CONFLICT (id) DO UPDATE SET last = excluded.last, n = lib_view.n + 1',
                        (str(event.originator_id), event.timestamp),
                    )
                    db.tracking._insert_tracking(c, Tracking(name, n.id))
            position = batch[-1].id
        lib.append(head / (time.perf_counter() - t))
    print(
        f"events {head}: ours (batched rebuild) {[round(x) for x in ours]} ev/s; library per-event lower bound {[round(x) for x in lib]} ev/s"
    )
    app.close()
finally:
    with psycopg.connect(base, autocommit=True) as c:
        c.execute(f"DROP SCHEMA {schema} CASCADE")
