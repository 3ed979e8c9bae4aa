"""Erasing a person with many events vs a person with one: crypto-shredding costs the same."""

from uuid import uuid4

from ledger.application.service import LedgerApplication
from ledger.store.settings import settings_for_url
from ledger.values import Actor
from tests.bench.context import BenchContext
from tests.bench.database import fresh_schema, url_for
from tests.bench.generate import generate_person
from tests.bench.harness import Figure, alternate, ratio_figure, timed
from tests.bench.rows.encryption import bench_keyring

OFFICER = Actor("bench-privacy", "privacy_officer")


def measure(ctx: BenchContext) -> list[Figure]:
    scale = ctx.scale
    with fresh_schema() as schema:
        app = LedgerApplication(settings_for_url(url_for(schema)), keyring=bench_keyring())
        try:
            now = app.clock.now()
            big, small = [], []
            generated = 0
            seconds = 0.0
            for _ in range(scale.rounds + 1):  # one pair to warm up
                big.append(uuid4())
                small.append(uuid4())
                seconds += timed(
                    lambda: generate_person(
                        app, subject_id=big[-1], events=scale.erasure_events, at=now
                    )
                )
                generate_person(app, subject_id=small[-1], events=1, at=now)
                generated += scale.erasure_events

            def erase(subjects: list) -> float:  # type: ignore[type-arg]
                subject = subjects.pop()
                return 1000 * timed(
                    lambda: app.erase_subject(subject, legal_basis="bench", actor=OFFICER)
                )

            erase(small), erase(big)  # warm-up
            pairs = alternate(scale.rounds, lambda: erase(small), lambda: erase(big))
        finally:
            app.close()
    return [
        ratio_figure(
            f"erasure of a person with {scale.erasure_events:,} events",
            pairs,
            unit="ms",
            target="≤ 2 x erasure of a person with 1 event",
            passes=lambda ratio: ratio <= 2,
        ),
        Figure(
            name="bulk generator (batched through the recorder)",
            value=generated / seconds,
            unit="events/s",
            baseline=None,
            ratio=None,
            target="report",
            passed=None,
            note=f"{generated:,} events",
        ),
    ]
