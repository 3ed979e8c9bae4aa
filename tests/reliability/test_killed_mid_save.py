"""A service killed with SIGKILL around a save's commit: a retry with the key completes it once.

The test watches the served store through its own connection and kills the service at a known
point: while its write waits for the event table's lock (held by the test; the write, commit
included, is already sent), or after the commit but before the answer (the operation log's
write after the commit is held back by a lock on its table).
"""

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg

from tests.reliability.scenarios import INTAKE, REGISTRATION
from tests.served import Served, serve


class StoreProbe:
    """The test's own view of the served store: idempotency records, events, and locks."""

    def __init__(self, database_url: str) -> None:
        schema = parse_qs(urlsplit(database_url).query)["schema"][0]
        self.dsn = database_url.split("?")[0]
        self.idempotency = f'"{schema}".ledger_idempotency'
        self.events = f'"{schema}".ledger_events'
        self.oplog_table = f'"{schema}".ledger_operation_log'

    def _query(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.dsn) as conn:
            return list(conn.execute(statement, params).fetchall())

    def waiting_on(self, table: str) -> bool:
        """True once a transaction waits for the lock on `table`."""
        rows = self._query(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass", (table,)
        )
        return int(rows[0][0]) > 0

    def record(self, key: str) -> tuple[Any, ...] | None:
        rows = self._query(f"SELECT status, result FROM {self.idempotency} WHERE key = %s", (key,))
        return rows[0] if rows else None

    def event_count(self) -> int:
        # Token grants are events too; these tests count the events of the requests they send.
        return int(
            self._query(f"SELECT count(*) FROM {self.events} WHERE topic NOT LIKE %s", (GRANTS,))[
                0
            ][0]
        )

    @contextmanager
    def holding_writes(self, table: str) -> Iterator[None]:
        """Hold back writes to `table` with its write lock."""
        with psycopg.connect(self.dsn) as holder:
            holder.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            try:
                yield
            finally:
                holder.rollback()


class Attempt:
    """One registration sent in the background, its answer (if any) kept."""

    def __init__(self, served: Served, key: str) -> None:
        self.answer: tuple[int, dict[str, Any], dict[str, str]] | None = None
        self.failure: BaseException | None = None
        headers = {"Authorization": f"Bearer {served.tokens(INTAKE)}", "Idempotency-Key": key}

        def send() -> None:
            try:
                self.answer = served.call("POST", "/v1/complaints", REGISTRATION, headers)
            # The service died under the request: before its answer (a reset connection) or
            # part-way through sending it (a short read).
            except (OSError, http.client.HTTPException) as error:
                self.failure = error

        self.thread = threading.Thread(target=send, daemon=True)
        self.thread.start()


def _until(condition: Any, attempt: Attempt) -> bool:
    """Poll the store until `condition()`; False if the request ended first."""
    while not condition():
        if not attempt.thread.is_alive():
            return bool(condition())
        threading.Event().wait(0.0005)
    return True


def _kill(served: Served, attempt: Attempt) -> None:
    served.process.kill()
    served.process.wait()
    attempt.thread.join(30)


def _retry(served: Served, key: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers = {"Authorization": f"Bearer {served.tokens(INTAKE)}", "Idempotency-Key": key}
    return served.call("POST", "/v1/complaints", REGISTRATION, headers)


def _history(served: Served, complaint_id: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {served.tokens(INTAKE)}"}
    status, body, _ = served.call("GET", f"/v1/complaints/{complaint_id}/history", None, headers)
    assert status == 200, body
    return list(body["events"])


GRANTS = "ledger.access.grant:%"
ENV = {"LEDGER_PROJECTIONS": "off", "LEDGER_CHECKPOINT_INTERVAL": "0"}


def test_a_service_killed_after_the_commit_replays_the_stored_answer_to_a_retry(
    database_url: str, tmp_path: Path
) -> None:
    probe = StoreProbe(database_url)
    key = "after-commit"
    with serve(tmp_path, database_url, **ENV) as served:
        served.tokens(INTAKE)  # issued now (its grant is events): nothing may write under the lock
        before = probe.event_count()
        with probe.holding_writes(probe.oplog_table):
            attempt = Attempt(served, key)
            assert _until(lambda: probe.event_count() > before, attempt)
            _kill(served, attempt)
        assert attempt.answer is None, "the answer got out before the kill"
        assert probe.record(key) is not None
    with serve(tmp_path, database_url, **ENV) as served:
        status, body, headers = _retry(served, key)
        assert status == 201, body
        assert headers.get("Idempotent-Replayed") == "true"
        history = _history(served, body["id"])
        assert [e["event"] for e in history] == ["Registered"]
        assert probe.event_count() - before == len(history)


def test_a_service_killed_while_its_write_waits_for_the_lock_stores_it_once(
    database_url: str, tmp_path: Path
) -> None:
    """The write was sent whole (its commit with it) before the kill: PostgreSQL may finish it
    once the lock is free, or not; either way the retry with the key leaves one registration."""
    probe = StoreProbe(database_url)
    key = "before-commit"
    with serve(tmp_path, database_url, **ENV) as served:
        served.tokens(INTAKE)
        before = probe.event_count()
        with probe.holding_writes(probe.events):
            attempt = Attempt(served, key)
            assert _until(lambda: probe.waiting_on(probe.events), attempt)
            _kill(served, attempt)
        assert attempt.answer is None
    with serve(tmp_path, database_url, **ENV) as served:
        status, body, _ = _retry(served, key)
        assert status == 201, body
        assert [e["event"] for e in _history(served, body["id"])] == ["Registered"]
        again = _retry(served, key)
        assert (again[0], again[1]) == (201, body)
        assert probe.event_count() - before == 1


def test_a_503_whose_commit_landed_is_replayed_by_its_retry(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    """The events commit, then the access log's insert waits on a lock past the statement
    timeout: the answer is 503, but the retry must replay the stored registration."""
    probe = StoreProbe(postgres_schema_url)
    access_log = probe.events.replace("ledger_events", "ledger_operation_log")
    with serve(tmp_path, postgres_schema_url, LEDGER_STATEMENT_TIMEOUT="1", **ENV) as served:
        served.tokens(INTAKE)
        before = probe.event_count()
        with probe.holding_writes(access_log):
            status, body, headers = _retry(served, "landed-503")
        assert (status, headers.get("Retry-After") is not None) == (503, True), body
        assert probe.event_count() - before == 1
        status, body, headers = _retry(served, "landed-503")
        assert (status, headers.get("Idempotent-Replayed")) == (201, "true"), body
        assert [e["event"] for e in _history(served, body["id"])] == ["Registered"]
        assert probe.event_count() - before == 1
