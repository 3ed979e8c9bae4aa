"""Read latency of GET /v1/complaints/{id} with the operation log on and off (issue 8).

    .venv/bin/python bench/oplog_read_latency.py [sqlite|postgresql://...?schema=bench] [reads]

Rounds alternate on and off so that a busy machine skews both alike; prints p50/p95 in ms.
"""

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api.app import create_app
from api.config import Settings
from api.policy import ROLES
from privacy.tokens import Principal

MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="


def main() -> None:
    target = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    reads = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    data_dir = Path(tempfile.mkdtemp())
    settings = Settings(
        data_dir=data_dir,
        database_url="" if target == "sqlite" else target,
        master_key_settings={"LEDGER_MASTER_KEY": MASTER_KEY},
    )
    app = create_app(settings)
    access = app.extensions["access"]
    now = datetime.now(UTC)
    _, token = access.tokens.issue(
        Principal("agent-7", "Agent", ("agent",), "service"),
        known_roles=ROLES,
        now=now,
        expires_at=now + timedelta(days=1),
        created_by="bench",
    )
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    complaint = client.post(
        "/v1/complaints",
        json={"channel": "phone", "customer": {"name": "Li"}, "summary": "s", "description": "d"},
        headers=headers,
    ).get_json()
    path = f"/v1/complaints/{complaint['id']}"
    append = access.oplog.append
    timings: dict[str, list[float]] = {"on": [], "off": []}

    def off(operation: Any) -> None:
        return None

    for round_ in range(20):
        mode = "on" if round_ % 2 == 0 else "off"
        access.oplog.append = append if mode == "on" else off
        for _ in range(reads // 20):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            timings[mode].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"read failed: {response.status_code}")
    for mode, values in timings.items():
        values.sort()
        p95 = values[int(len(values) * 0.95)]
        print(
            f"{target.split(':')[0]} oplog {mode:3}: {len(values)} reads, "
            f"p50 {statistics.median(values):.2f} ms, p95 {p95:.2f} ms"
        )
    app.extensions["ledger"].close()


if __name__ == "__main__":
    main()
