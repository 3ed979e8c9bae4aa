"""Rough figures for the retention run on PostgreSQL: cases archived per second, peak RSS.

    .venv/bin/python -m tests.bench.retention_run [CASES] [POSTGRES_URL]

Creates a throw-away schema, stores CASES closed complaints (7 events each, one person each),
moves a manual clock past the three-year retention, and times one retention run: archive
records with inclusion proofs, key destruction, confirmations, checkpoints.
"""

import os
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.application import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.service import Integrity
from ledger.store.integrity_tables import integrity_tables_for
from ledger.store.settings import settings_for_url
from privacy.master_key import MasterKeyring, key_id_for
from privacy.retention import RetentionRules
from projections.archive_tables import archive_tables_for
from projections.retention import RetentionRun
from tests.retention.bulk import closed_complaints


def main() -> None:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    base = sys.argv[2] if len(sys.argv) > 2 else "postgresql://postgres@127.0.0.1:5432/test"
    schema = f"bench_{uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    master = os.urandom(32)
    keyring = MasterKeyring(key_id_for(master), {key_id_for(master): master}, "bench")
    clock = ManualClock(datetime(2026, 1, 5, 9, tzinfo=UTC))
    app = LedgerApplication(
        settings_for_url(f"{base}?schema={schema}"), keyring=keyring, clock=clock
    )
    try:
        started = time.perf_counter()
        closed_complaints(app, cases, at=clock.now())
        print(f"stored {cases} closed complaints in {time.perf_counter() - started:.1f} s")
        datastore = app.recorder.datastore  # type: ignore[attr-defined]
        tables = integrity_tables_for(datastore, app.recorder.events_table_name)  # type: ignore[attr-defined]
        integrity = Integrity(tables, Ed25519PrivateKey.generate(), clock)
        run = RetentionRun(app, integrity, archive_tables_for(datastore), RetentionRules())
        integrity.checkpoint()  # the tree is the tamper-evidence job's work, not the run's
        clock.advance(timedelta(days=3 * 365 + 1))
        started = time.perf_counter()
        report = run.run()
        seconds = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"retention run: {len(report.archived)} archived, {len(report.destroyed)} keys "
            f"destroyed in {seconds:.1f} s = {len(report.archived) / seconds:.0f} cases/s; "
            f"peak RSS {rss:.0f} MiB"
        )
    finally:
        app.close()
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
