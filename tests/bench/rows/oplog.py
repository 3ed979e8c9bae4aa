"""Read latency with the operation log on vs off: one GET of a complaint, in process, PostgreSQL.

Every /v1 request appends one hash-chained row to the operation log before it answers; this
row reports what that costs a read (the median latency of each phase, off then on in turns).
The read reveals personal data, whose access-log rows commit with the operation-log row; with
the log off they are written on their own, as they would have to be without it.
"""

import statistics
import time
from datetime import timedelta
from typing import Any

from api.app import close_app, create_app
from api.config import Settings
from ledger.access.policy import ROLES
from ledger.access.tokens import Principal
from tests.bench.context import BenchContext
from tests.bench.database import fresh_schema, url_for
from tests.bench.harness import Figure, alternate, ratio_figure
from tests.bench.server import BENCH_MASTER_KEY, BENCH_SIGNING_KEY


def measure(ctx: BenchContext) -> list[Figure]:
    scale = ctx.scale
    with fresh_schema() as schema:
        app = create_app(
            Settings.from_env(
                {
                    "LEDGER_DATA_DIR": str(ctx.scratch / "oplog"),
                    "LEDGER_DATABASE_URL": url_for(schema),
                    "LEDGER_MASTER_KEY": BENCH_MASTER_KEY,
                    "LEDGER_SIGNING_KEY": BENCH_SIGNING_KEY,
                }
            )
        )
        try:
            access = app.extensions["access"]
            now = app.extensions["ledger"].clock.now()
            _, token = access.tokens.issue(
                Principal("bench-agent", "Bench agent", ("agent",), "service"),
                known_roles=ROLES,
                now=now,
                expires_at=now + timedelta(days=1),
                created_by="bench",
            )
            headers = {"Authorization": f"Bearer {token}"}
            client = app.test_client()
            complaint = client.post(
                "/v1/complaints",
                json={
                    "channel": "phone",
                    "customer": {"name": "Bench"},
                    "summary": "s",
                    "description": "d",
                },
                headers=headers,
            ).get_json()
            path = f"/v1/complaints/{complaint['id']}"
            append = access.oplog.append
            access_log = app.extensions["ledger"].access_log

            def skip(operation: Any, accesses: Any = ()) -> None:
                access_log.record(accesses)

            def phase(log_on: bool) -> float:
                access.oplog.append = append if log_on else skip
                latencies = []
                stop = time.perf_counter() + scale.seconds / 2  # thousands of reads even so
                while time.perf_counter() < stop:
                    started = time.perf_counter()
                    answer = client.get(path, headers=headers)
                    if answer.status_code != 200:  # a failing read would time the error path
                        raise RuntimeError(f"the read answered {answer.status_code}")
                    latencies.append(1000 * (time.perf_counter() - started))
                return statistics.median(latencies)

            phase(True)
            pairs = alternate(scale.rounds, lambda: phase(False), lambda: phase(True))
        finally:
            close_app(app)
    return [
        ratio_figure(
            "read latency with the operation log on vs off (p50, one complaint, PostgreSQL)",
            pairs,
            unit="ms",
            target="report",
            passes=None,
        )
    ]
