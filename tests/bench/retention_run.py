"""The retention run on PostgreSQL in a process of its own: cases archived per second, peak RSS.

    .venv/bin/python -m tests.bench.retention_run [CASES]      # stand-alone figure
    python -m tests.bench.retention_run --child URL NOW         # what the bench row starts

Stand-alone, it creates a throw-away schema, stores CASES closed complaints (6 events each, one
person each) in bulk through the recorder, brings the tree and the retention index up to date
(the tamper-evidence job's and the projection worker's work, not the run's), then runs one
retention run in a child process three years and a day later and prints what the child saw:
archive records with inclusion proofs, key destruction, confirmations, checkpoints.
"""

import base64
import json
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta
from typing import Any

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.service import Integrity
from ledger.integrity.tables import integrity_tables_for
from ledger.store.settings import settings_for_url
from projections.retention.archive_tables import archive_tables_for
from projections.retention.rules import RetentionRules
from projections.retention.run import RetentionRun
from tests.bench.database import fresh_schema, url_for
from tests.bench.generate import generate_closed_complaints
from tests.bench.rows.encryption import bench_keyring
from tests.bench.server import BENCH_SIGNING_KEY

RETENTION = timedelta(days=3 * 365 + 1)


def open_run(url: str, clock: ManualClock) -> tuple[LedgerApplication, RetentionRun]:
    """The ledger at `url` and its retention run under the default rules."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    app = LedgerApplication(settings_for_url(url), keyring=bench_keyring(), clock=clock)
    datastore = app.recorder.datastore  # type: ignore[attr-defined]
    tables = integrity_tables_for(datastore, app.recorder.events_table_name)  # type: ignore[attr-defined]
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(BENCH_SIGNING_KEY))
    integrity = Integrity(tables, key, clock)
    return app, RetentionRun(app, integrity, archive_tables_for(datastore), RetentionRules())


def prepare(url: str, cases: int, at: datetime) -> dict[str, float]:
    """Store `cases` closed complaints at `at`; bring the tree and the retention index up to
    date; the seconds each took."""
    app, run = open_run(url, ManualClock(at))
    try:
        started = time.perf_counter()
        generate_closed_complaints(app, cases=cases, at=at)
        generated = time.perf_counter() - started
        events = app.recorder.max_notification_id() or 0
        started = time.perf_counter()
        run.integrity.checkpoint()
        tree = time.perf_counter() - started
        started = time.perf_counter()
        run.index.catch_up()
        index = time.perf_counter() - started
    finally:
        app.close()
    return {"generate": generated, "tree": tree, "index": index, "events": events}


def run_child(url: str, now: datetime) -> dict[str, Any]:
    """One retention run at `now` in a fresh process: what it archived, how fast, its peak RSS."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.retention_run", "--child", url, now.isoformat()],
        capture_output=True,
        text=True,
        timeout=7_200,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"retention run child failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def child(url: str, now: str) -> None:
    app, run = open_run(url, ManualClock(datetime.fromisoformat(now)))
    try:
        started = time.perf_counter()
        report = run.run()
        seconds = time.perf_counter() - started
    finally:
        app.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "archived": len(report.archived),
                "destroyed": len(report.destroyed),
                "seconds": seconds,
                "rss_mib": peak,
            }
        )
    )


def main(cases: int) -> None:
    at = datetime.fromisoformat("2026-01-05T09:00:00+00:00")
    with fresh_schema() as schema:
        url = url_for(schema)
        took = prepare(url, cases, at)
        print(
            f"stored {cases} closed complaints in {took['generate']:.1f} s "
            f"(tree {took['tree']:.1f} s, retention index {took['index']:.1f} s)"
        )
        result = run_child(url, at + RETENTION)
    print(
        f"retention run: {result['archived']} archived, {result['destroyed']} keys destroyed "
        f"in {result['seconds']:.1f} s = {result['archived'] / result['seconds']:.0f} cases/s; "
        f"peak RSS {result['rss_mib']:.0f} MiB"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
