"""The ledger's write path without HTTP: save() of one event per call from N threads.

The same shape as the library's baseline (each thread holds its own aggregate, changes it and
saves it), but through `LedgerApplication.save`: domain events with personal fields encrypted,
the append-only recorder and, by default, group commit. This is the figure that shows whether
the store gets past the library's one-commit-at-a-time rate.
"""

import threading
import time

from ledger.application.service import LedgerApplication
from ledger.store.settings import settings_for_url
from ledger.values import Actor
from privacy.fields import Personal
from tests.bench.baseline import plain_application, save_rate
from tests.bench.context import BenchContext
from tests.bench.database import fresh_schema, library_settings, url_for
from tests.bench.harness import Figure, ratio_figure, rotate
from tests.bench.rows.append import BASELINE_POOL
from tests.bench.rows.encryption import bench_keyring

AGENT = Actor("bench-agent", "agent", "service")


def ledger_save_rate(app: LedgerApplication, *, threads: int, seconds: float) -> float:
    """Events per second: each thread notes progress on its own complaint, one save per note."""
    stop_at = [float("inf")]
    barrier = threading.Barrier(threads + 1)
    counts = [0] * threads

    def work(n: int) -> None:
        complaint = app.register_complaint(
            channel="phone",
            customer_name="Bench Customer",
            summary="Parcel arrived broken",
            description="Crushed box",
            actor=AGENT,
        )
        subject = complaint.customer.subject_id
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            note = Personal.of(subject, f"note {counts[n]}")
            complaint.note_progress(note=note, actor=AGENT, at=app.clock.now())
            app.save(complaint)
            counts[n] += 1

    workers = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    for worker in workers:
        worker.join()
    return sum(counts) / (time.perf_counter() - started)


def measure(ctx: BenchContext) -> list[Figure]:
    scale = ctx.scale
    threads = scale.threads
    with (
        fresh_schema() as library_schema,
        fresh_schema() as on_schema,
        fresh_schema() as off_schema,
    ):
        library = plain_application(library_settings(library_schema, pool_size=BASELINE_POOL))
        on = LedgerApplication(settings_for_url(url_for(on_schema)), keyring=bench_keyring())
        off = LedgerApplication(
            settings_for_url(url_for(off_schema)), keyring=bench_keyring(), group_commit=False
        )
        try:
            save_rate(library, threads=threads, seconds=scale.warmup)
            ledger_save_rate(on, threads=threads, seconds=scale.warmup)
            ledger_save_rate(off, threads=threads, seconds=scale.warmup)
            rates = rotate(
                scale.rounds,
                {
                    "library": lambda: save_rate(library, threads=threads, seconds=scale.seconds),
                    "on": lambda: ledger_save_rate(on, threads=threads, seconds=scale.seconds),
                    "off": lambda: ledger_save_rate(off, threads=threads, seconds=scale.seconds),
                },
            )
            group = on.recorder.group_commit
            batches = group.transactions if group is not None else 0
        finally:
            for app in (library, on, off):
                app.close()
    return [
        ratio_figure(
            f"ledger save(), one event per call, {threads} threads (group commit)",
            list(zip(rates["library"], rates["on"], strict=True)),
            unit="events/s",
            target="report (the write path past the lock-bound rate)",
            passes=None,
            note=f"{batches:,} transactions in all",
        ),
        ratio_figure(
            f"ledger save(), {threads} threads: group commit on vs off",
            list(zip(rates["off"], rates["on"], strict=True)),
            unit="events/s",
            target="report",
            passes=None,
        ),
    ]
