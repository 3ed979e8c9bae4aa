"""Database faults one at a time: an exhausted pool, a statement timeout, an outage's answers."""

import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.reliability.scenarios import INTAKE, REGISTRATION
from tests.reliability.throwaway_postgres import ThrowawayPostgres, throwaway_postgres
from tests.served import Served, serve


@pytest.fixture(scope="module")
def cluster() -> Iterator[ThrowawayPostgres]:
    with throwaway_postgres() as pg:
        yield pg


def bearer(served: Served) -> dict[str, str]:
    return {"Authorization": f"Bearer {served.tokens(INTAKE)}"}


def events_table(pg_url: str, schema: str = "public") -> str:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name LIKE '%%events' ORDER BY table_name LIMIT 1",
            (schema,),
        ).fetchone()
    assert row is not None
    return str(row[0])


def test_an_exhausted_pool_queues_requests_then_answers_503_with_retry_after(
    cluster: ThrowawayPostgres, tmp_path: Path
) -> None:
    url = cluster.url + "?pool_size=1&max_overflow=0"
    env = {"LEDGER_DB_TIMEOUT": "1", "LEDGER_PROJECTIONS": "off", "LEDGER_CHECKPOINT_INTERVAL": "0"}
    with serve(tmp_path, url, **env) as served:
        headers = bearer(served)
        _, complaint, _ = served.call("POST", "/v1/complaints", REGISTRATION, headers)
        table = events_table(cluster.url)
        answers: list[tuple[int, dict[str, str], dict[str, object]]] = []
        with psycopg.connect(cluster.url) as holder:
            # The only pooled connection blocks on this lock; the other requests queue for it.
            holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")

            def read() -> None:
                status, body, response_headers = served.call(
                    "GET", f"/v1/complaints/{complaint['id']}/history", None, headers
                )
                answers.append((status, response_headers, body))

            readers = [threading.Thread(target=read) for _ in range(6)]
            for reader in readers:
                reader.start()
            while not any(status == 503 for status, _, _ in answers):
                threading.Event().wait(0.05)
            holder.rollback()  # release the lock
        for reader in readers:
            reader.join()

    assert {status for status, _, _ in answers} <= {200, 503}
    refused = [(h, b) for status, h, b in answers if status == 503]
    assert all(
        h.get("Retry-After") and h["Content-Type"] == "application/problem+json" for h, _ in refused
    )


def test_a_statement_timeout_answers_503_not_500(
    cluster: ThrowawayPostgres, tmp_path: Path
) -> None:
    env = {"LEDGER_STATEMENT_TIMEOUT": "1", "LEDGER_CHECKPOINT_INTERVAL": "0"}
    with serve(tmp_path, cluster.url, LEDGER_PROJECTIONS="off", **env) as served:
        headers = bearer(served)
        _, complaint, _ = served.call("POST", "/v1/complaints", REGISTRATION, headers)
        with psycopg.connect(cluster.url) as holder:
            holder.execute(f"LOCK TABLE {events_table(cluster.url)} IN ACCESS EXCLUSIVE MODE")
            status, body, response_headers = served.call(
                "GET", f"/v1/complaints/{complaint['id']}/history", None, headers
            )
            holder.rollback()
        after, _, _ = served.call("GET", f"/v1/complaints/{complaint['id']}", None, headers)

    assert status == 503
    assert response_headers["Retry-After"]
    assert body["status"] == 503
    assert after == 200
