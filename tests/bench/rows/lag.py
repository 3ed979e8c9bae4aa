"""Commit → status view lag at `lag_rate` appends/s, the worker a separate process.

`ledger projections run --only case_status` runs as its own process (as in production with
LEDGER_PROJECTIONS=off on the API). The bench appends complaints (mapped and encrypted
beforehand) at a paced rate from 48 threads, one transaction each; for each it notes when its save returned and its notification id. A watcher polls the
projection's position every 2 ms; an event's lag is the time from its commit returning to the
first poll that sees the position at or past it. No baseline: the target is absolute.
"""

import os
import subprocess
import sys
import threading
import time
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from api.config import Settings
from api.wiring.ledger import build_ledger
from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.values import Customer
from privacy.fields import Personal
from projections.engine.read_side import ReadSide
from tests.bench.context import BenchContext
from tests.bench.database import fresh_schema, url_for
from tests.bench.generate import GENERATOR
from tests.bench.harness import Figure, percentile
from tests.bench.server import BENCH_MASTER_KEY, BENCH_SIGNING_KEY

APPENDERS = 48  # paced: enough threads that slow commits on a busy box do not hold the rate back
SUBJECTS = [uuid4() for _ in range(10)]  # people's data keys exist after their first complaint


def measure(ctx: BenchContext) -> list[Figure]:
    scale = ctx.scale
    seconds = scale.seconds
    with fresh_schema() as schema:
        env = {
            "LEDGER_DATA_DIR": str(ctx.scratch / "lag"),
            "LEDGER_DATABASE_URL": url_for(schema),
            "LEDGER_MASTER_KEY": BENCH_MASTER_KEY,
            "LEDGER_SIGNING_KEY": BENCH_SIGNING_KEY,
            "LEDGER_PROJECTIONS": "off",
        }
        app = build_ledger(Settings.from_env(env))
        side = ReadSide(app)  # the view's tables exist before the worker starts
        log_path = ctx.scratch / "lag-worker.log"
        with log_path.open("w") as log:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "api.cli",
                    "projections",
                    "run",
                    "--only",
                    "case_status",
                ],
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            commits: list[tuple[int, float]] = []
            seen: list[tuple[int, float]] = []
            generation = side.generation("case_status")
            done = threading.Event()

            def watch() -> None:
                last = -1
                while not done.is_set():
                    position = side.db.position("case_status", generation)
                    if position != last:
                        seen.append((position, time.perf_counter()))
                        last = position
                    time.sleep(0.002)

            # Mapped and encrypted beforehand: the lag runs from the commit, and the bench's own
            # CPU (one Python process) must not hold the append rate below the target.
            prepared = [
                _stored_complaint(app, n) for n in range(int(scale.lag_rate * seconds) + 50)
            ]

            def append(n: int, stop_at: float) -> None:
                interval = APPENDERS / scale.lag_rate
                due = time.perf_counter() + n * interval / APPENDERS
                while due < stop_at and prepared:
                    time.sleep(max(0.0, due - time.perf_counter()))
                    ids = app.recorder.insert_events(prepared.pop())
                    assert ids
                    commits.append((ids[-1], time.perf_counter()))
                    due += interval

            _wait_for_worker(side, generation, worker)
            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            started = time.perf_counter()
            stop_at = started + seconds
            appenders = [
                threading.Thread(target=append, args=(n, stop_at), daemon=True)
                for n in range(APPENDERS)
            ]
            for thread in appenders:
                thread.start()
            for thread in appenders:
                thread.join()
            rate = len(commits) / (time.perf_counter() - started)
            head = max(nid for nid, _ in commits)
            deadline = time.perf_counter() + 30
            while (not seen or seen[-1][0] < head) and time.perf_counter() < deadline:
                time.sleep(0.01)
            done.set()
            watcher.join()
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            app.close()
    lags = []
    for nid, committed in commits:
        reached = next((at for position, at in seen if position >= nid), None)
        if reached is None:
            raise RuntimeError(f"the worker never reached {nid}: {log_path.read_text()[-2000:]}")
        lags.append(max(0.0, reached - committed) * 1000)
    p99 = percentile(lags, 0.99)
    return [
        Figure(
            name=f"commit → status view lag p99 at {scale.lag_rate} appends/s (worker process)",
            value=p99,
            unit="ms",
            baseline=None,
            ratio=None,
            target="p99 < 1 s (at ≥ 90 % of the rate)",
            passed=p99 < 1000 and rate >= 0.9 * scale.lag_rate,
            note=f"{rate:.0f} appends/s achieved, p50 {percentile(lags, 0.5):.0f} ms",
        )
    ]


def _stored_complaint(app: LedgerApplication, n: int) -> list[StoredEvent]:
    subject = SUBJECTS[n % len(SUBJECTS)]
    complaint = Complaint.register(
        reference=f"LAG-{uuid4().hex[:12]}",
        channel="phone",
        customer=Customer(subject_id=subject, name=Personal.of(subject, "Lag")),
        summary=Personal.of(subject, "s"),
        description=Personal.of(subject, "d"),
        department="service",
        actor=GENERATOR,
        at=app.clock.now(),
    )
    return [app.mapper.to_stored_event(e) for e in complaint.collect_events()]


def _wait_for_worker(side: ReadSide, generation: int, worker: "subprocess.Popen[bytes]") -> None:
    """Append one complaint and wait until the worker has applied it: it is up and listening."""
    app = side.app
    subject = uuid4()
    complaint = Complaint.register(
        reference=f"LAG-{uuid4().hex[:12]}",
        channel="phone",
        customer=Customer(subject_id=subject, name=Personal.of(subject, "Lag")),
        summary=Personal.of(subject, "s"),
        description=Personal.of(subject, "d"),
        department="service",
        actor=GENERATOR,
        at=app.clock.now(),
    )
    target = app.save(complaint)[-1].notification.id
    deadline = time.monotonic() + 60
    while side.db.position("case_status", generation) < target:
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the projection worker did not start")
        time.sleep(0.05)
