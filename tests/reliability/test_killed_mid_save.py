"""A service killed with SIGKILL around a save's commit: a retry with the key completes it once.

The test watches the served store through its own connection and kills the service at a known
point: inside the events' transaction but before its commit (the commit is held back by a lock), or
after the commit but before the answer (on PostgreSQL the writes after the commit are held back
by a lock; on SQLite, whose single write lock cannot be held for one table, the service is
killed as soon as the commit is seen, and the attempt counts only if no answer got out).
"""

import http.client
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg

from tests.reliability.scenarios import INTAKE, REGISTRATION
from tests.served import Served, serve

ATTEMPTS = 5  # SQLite's after-commit kill races the answer; one attempt in the window is needed


class StoreProbe:
    """The test's own view of the served store: idempotency records, events, and locks."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.url = database_url
        self.sqlite = not database_url
        if self.sqlite:
            self.path = data_dir / "ledger.db"
        else:
            schema = parse_qs(urlsplit(database_url).query)["schema"][0]
            self.dsn = database_url.split("?")[0]
            self.idempotency = f'"{schema}".ledger_idempotency'
            self.events = f'"{schema}".ledger_events'
            self.oplog_table = f'"{schema}".ledger_operation_log'

    def _query(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite:
            with sqlite3.connect(self.path, timeout=10) as conn:
                return conn.execute(statement.replace("%s", "?"), params).fetchall()
        with psycopg.connect(self.dsn) as conn:
            return list(conn.execute(statement, params).fetchall())

    def waiting_on(self, table: str) -> bool:
        """True once a transaction waits for the lock on `table` (PostgreSQL)."""
        rows = self._query(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass", (table,)
        )
        return int(rows[0][0]) > 0

    def record(self, key: str) -> tuple[Any, ...] | None:
        table = "ledger_idempotency" if self.sqlite else self.idempotency
        rows = self._query(f"SELECT status, result FROM {table} WHERE key = %s", (key,))
        return rows[0] if rows else None

    def event_count(self) -> int:
        table = "stored_events" if self.sqlite else self.events
        return int(self._query(f"SELECT count(*) FROM {table}")[0][0])

    @contextmanager
    def holding_writes(self, table: str | None = None) -> Iterator[None]:
        """Hold back writes: SQLite's write lock, or a PostgreSQL table's write lock."""
        if self.sqlite:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                conn.rollback()
                conn.close()
            return
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


ENV = {"LEDGER_PROJECTIONS": "off", "LEDGER_CHECKPOINT_INTERVAL": "0"}


def test_a_service_killed_after_the_commit_replays_the_stored_answer_to_a_retry(
    database_url: str, tmp_path: Path
) -> None:
    url = "" if database_url.startswith("sqlite") else database_url
    probe = StoreProbe(url, tmp_path)
    hits = 0
    for n in range(ATTEMPTS):
        key = f"after-commit-{n}"
        with serve(tmp_path, url, **ENV) as served:
            before = probe.event_count()
            served.tokens(INTAKE)  # issued now: nothing may write while the lock is held
            if probe.sqlite:
                attempt = Attempt(served, key)
                completed = _until(lambda b=before: probe.event_count() > b, attempt)
                _kill(served, attempt)
            else:
                with probe.holding_writes(probe.oplog_table):
                    attempt = Attempt(served, key)
                    completed = _until(lambda b=before: probe.event_count() > b, attempt)
                    _kill(served, attempt)
            assert completed
            if attempt.answer is not None:  # the answer got out before the kill: not this case
                continue
            hits += 1
            assert probe.record(key) is not None
        with serve(tmp_path, url, **ENV) as served:
            status, body, headers = _retry(served, key)
            assert status == 201, body
            assert headers.get("Idempotent-Replayed") == "true"
            history = _history(served, body["id"])
            assert [e["event"] for e in history] == ["Registered"]
            assert probe.event_count() - before == len(history)
        if not probe.sqlite:
            break
    assert hits >= 1, "every kill came after the answer; the window was never hit"


def test_a_service_killed_before_the_commit_runs_the_retry_once(
    database_url: str, tmp_path: Path
) -> None:
    url = "" if database_url.startswith("sqlite") else database_url
    probe = StoreProbe(url, tmp_path)
    hits = 0
    for n in range(ATTEMPTS):
        key = f"before-commit-{n}"
        with serve(tmp_path, url, **ENV) as served:
            before = probe.event_count()
            served.tokens(INTAKE)
            table = None if probe.sqlite else probe.events
            if probe.sqlite:
                with probe.holding_writes():
                    attempt = Attempt(served, key)
                    threading.Event().wait(0.5)  # the request reaches its first write and waits
                    held = attempt.thread.is_alive()
                    _kill(served, attempt)
            else:
                with probe.holding_writes(table):
                    attempt = Attempt(served, key)
                    assert _until(lambda t=table: probe.waiting_on(t), attempt)
                    held = True
                    _kill(served, attempt)
            assert attempt.answer is None or not held
            if not held:
                continue
            hits += 1
            assert probe.record(key) is None
            assert probe.event_count() == before
        with serve(tmp_path, url, **ENV) as served:
            status, body, headers = _retry(served, key)
            assert status == 201, body
            assert "Idempotent-Replayed" not in headers
            assert [e["event"] for e in _history(served, body["id"])] == ["Registered"]
            again = _retry(served, key)
            assert (again[0], again[1]) == (201, body)
            assert probe.event_count() - before == 1
        break
    assert hits >= 1, "the request always ended before the kill; the window was never hit"


def test_a_503_whose_commit_landed_is_replayed_by_its_retry(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    """The events commit, then the access log's insert waits on a lock past the statement
    timeout: the answer is 503, but the retry must replay the stored registration."""
    probe = StoreProbe(postgres_schema_url, tmp_path)
    access_log = probe.events.replace("ledger_events", "ledger_access_log")
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
