"""Chain cost per append: the ledger's own event table with its chain trigger vs without it.

Both schemas are made by the ledger's recorder (append-only triggers and all); in the "off"
schema the bench then drops the one BEFORE INSERT trigger that fills `chain_hash`, so the two
differ by the chain alone. Bench-only: production has no switch to turn chaining off. Each
append is one transaction of one complaint's events (registered and two notes), mapped and
encrypted in advance so that the timed part is the write.
"""

from uuid import uuid4

from eventsourcing.persistence import StoredEvent
from psycopg import sql

from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.store.settings import settings_for_url
from ledger.values import Customer
from privacy.fields import Personal
from tests.bench.context import BenchContext
from tests.bench.database import fresh_schema, url_for
from tests.bench.generate import GENERATOR
from tests.bench.harness import Figure, alternate, ratio_figure, timed
from tests.bench.rows.encryption import bench_keyring

EVENTS_PER_APPEND = 3


def _appends(app: LedgerApplication, count: int) -> list[list[StoredEvent]]:
    """`count` appends' worth of stored events, each a new complaint of three events."""
    now = app.clock.now()
    found = []
    for _ in range(count):
        subject = uuid4()
        complaint = Complaint.register(
            reference=f"CHAIN-{uuid4().hex[:12]}",
            channel="phone",
            customer=Customer(subject_id=subject, name=Personal.of(subject, "Chain Person")),
            summary=Personal.of(subject, "s"),
            description=Personal.of(subject, "d"),
            department="service",
            actor=GENERATOR,
            at=now,
        )
        for n in range(EVENTS_PER_APPEND - 1):
            complaint.note_progress(note=Personal.of(subject, f"n{n}"), actor=GENERATOR, at=now)
        found.append([app.mapper.to_stored_event(e) for e in complaint.collect_events()])
    return found


def _drop_chain_trigger(app: LedgerApplication) -> None:
    recorder = app.recorder
    table = recorder.events_table_name  # type: ignore[attr-defined]
    datastore = recorder.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(
            sql.SQL("DROP TRIGGER {trigger} ON {schema}.{table}").format(
                trigger=sql.Identifier(f"{table}_chain"),
                schema=sql.Identifier(datastore.schema),
                table=sql.Identifier(table),
            )
        )


def measure(ctx: BenchContext) -> list[Figure]:
    scale = ctx.scale
    per_phase = scale.operations
    with fresh_schema() as on_schema, fresh_schema() as off_schema:
        chained = LedgerApplication(settings_for_url(url_for(on_schema)), keyring=bench_keyring())
        plain = LedgerApplication(settings_for_url(url_for(off_schema)), keyring=bench_keyring())
        try:
            _drop_chain_trigger(plain)
            batches = {
                id(app): _appends(app, per_phase * (scale.rounds + 1)) for app in (chained, plain)
            }

            def phase(app: LedgerApplication) -> float:
                pending = batches[id(app)]
                work, batches[id(app)] = pending[:per_phase], pending[per_phase:]

                def append_all() -> None:
                    for events in work:
                        app.recorder.insert_events(events)

                return 1e6 * timed(append_all) / (per_phase * EVENTS_PER_APPEND)

            phase(plain), phase(chained)  # warm-up
            pairs = alternate(scale.rounds, lambda: phase(plain), lambda: phase(chained))
        finally:
            chained.close()
            plain.close()
    return [
        ratio_figure(
            "chain cost per append (chain trigger on vs off, one complaint of 3 events per tx)",
            pairs,
            unit="µs/event",
            target="≤ 10 % (ratio ≤ 1.10)",
            passes=lambda ratio: ratio <= 1.10,
        )
    ]
