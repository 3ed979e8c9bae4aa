"""Rough figures for tamper evidence on PostgreSQL: chaining cost, verification rate, proof time.

    .venv/bin/python bench/integrity.py [EVENTS] [POSTGRES_URL]

Creates a throw-away schema, appends EVENTS synthetic events (10 per stream, 1000 per insert)
with and without the chain, builds the tree, signs a checkpoint, verifies everything and times
inclusion proofs. `make bench` (issue 9) is where these figures are meant to be reported.
"""

import os
import resource
import statistics
import sys
import time
from uuid import uuid4

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import StoredEvent

from ledger.application import LedgerApplication
from ledger.clock import SystemClock
from ledger.integrity.service import Integrity
from ledger.integrity.verify import verify_ledger
from ledger.store.integrity_tables import integrity_tables_for
from ledger.store.settings import settings_for_url
from privacy.master_key import MasterKeyring, key_id_for

STATE = b'{"summary":"' + b"x" * 300 + b'"}'


def append(app: LedgerApplication, total: int) -> float:
    started = time.perf_counter()
    batch: list[StoredEvent] = []
    for i in range(total // 10):
        stream = uuid4()
        batch.extend(StoredEvent(stream, v, "bench:Event", STATE) for v in range(1, 11))
        if len(batch) >= 1000:
            app.recorder.insert_events(batch)
            batch = []
        if i % 10_000 == 0:
            print(f"\rappended {i * 10}", end="", file=sys.stderr)
    if batch:
        app.recorder.insert_events(batch)
    print(file=sys.stderr)
    return total / (time.perf_counter() - started)


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    base = sys.argv[2] if len(sys.argv) > 2 else "postgresql://postgres@127.0.0.1:5432/test"
    key = bytes(32)
    keyring = MasterKeyring(key_id_for(key), {key_id_for(key): key}, "bench")
    schemas = [f"bench_{uuid4().hex[:10]}", f"bench_{uuid4().hex[:10]}"]
    try:
        plain_settings = settings_for_url(f"{base}?schema={schemas[1]}")
        plain_settings["APPLICATION_RECORDER_TOPIC"] = (
            "eventsourcing.postgres:PostgresApplicationRecorder"
        )
        plain = LedgerApplication(plain_settings, keyring=keyring)
        sample = min(total, 100_000)
        unchained = append(plain, sample)
        plain.close()
        app = LedgerApplication(settings_for_url(f"{base}?schema={schemas[0]}"), keyring=keyring)
        chained = append(app, sample)
        print(
            f"append {sample} events: {unchained:,.0f}/s unchained, {chained:,.0f}/s chained "
            f"({(1 - chained / unchained) * 100:.1f} % overhead)"
        )
        if total > sample:
            append(app, total - sample)
        tables = integrity_tables_for(app.recorder.datastore, app.recorder.events_table_name)
        integrity = Integrity(tables, Ed25519PrivateKey.generate(), SystemClock())
        started = time.perf_counter()
        checkpoint = integrity.checkpoint()
        print(
            f"tree of {checkpoint.tree_size} built and signed in "
            f"{time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        report = verify_ledger(tables, integrity.public_key, integrity.checkpoints())
        seconds = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"verify: {report.events} events, intact={report.intact}, {seconds:.1f} s, "
            f"{report.events / seconds:,.0f} events/s, peak RSS {rss:.0f} MiB"
        )
        times = []
        for _ in range(1000):
            nid = 1 + int.from_bytes(os.urandom(4)) % checkpoint.tree_size
            started = time.perf_counter()
            integrity.inclusion_proof(notification_id=nid)
            times.append(time.perf_counter() - started)
        times.sort()
        print(
            f"inclusion proof: median {statistics.median(times) * 1000:.2f} ms, "
            f"p99 {times[989] * 1000:.2f} ms"
        )
        app.close()
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            for schema in schemas:
                connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
