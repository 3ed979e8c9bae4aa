"""A pooled PostgreSQL connection is checked before use without a round trip, yet a dead one is
never handed out: its server's goodbye makes it readable, and only then is it pinged."""

import time

import psycopg
import pytest

from ledger.application.service import LedgerApplication
from ledger.store.idle_check import check_idle_connection
from ledger.values import Actor
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.postgres


def _backend_pid(ledger: LedgerApplication) -> int:
    """The pool's connection's backend, asked of the server (a statement, not a cached value)."""
    with ledger.recorder.datastore.get_connection() as connection:  # type: ignore[attr-defined]
        row = connection.execute("SELECT pg_backend_pid() AS pid").fetchone()
        return int(row["pid"])


def _terminate(pid: int) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            time.sleep(0.01)


def test_a_terminated_backend_is_replaced_before_the_next_statement(
    one_connection_ledger: LedgerApplication,
) -> None:
    before = _backend_pid(one_connection_ledger)
    _terminate(before)

    assert _backend_pid(one_connection_ledger) != before


def test_the_ledger_works_on_after_its_connection_was_terminated(
    one_connection_ledger: LedgerApplication,
) -> None:
    ledger = one_connection_ledger
    _terminate(_backend_pid(ledger))

    complaint = ledger.register_complaint(
        channel="phone",
        customer_name="Idle Check",
        summary="Parcel arrived broken",
        description="Crushed box",
        actor=Actor("agent-7", "agent", "service"),
    )

    assert ledger.get_complaint(complaint.id).reference == complaint.reference


def test_a_healthy_idle_connection_is_kept(one_connection_ledger: LedgerApplication) -> None:
    assert _backend_pid(one_connection_ledger) == _backend_pid(one_connection_ledger)


def test_a_connection_the_server_closed_fails_the_check() -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        _terminate(int(connection.info.backend_pid))
        with pytest.raises(psycopg.OperationalError):
            check_idle_connection(connection)


def test_a_closed_connection_fails_the_check() -> None:
    connection = psycopg.connect(POSTGRES_URL, autocommit=True)
    connection.close()
    with pytest.raises(psycopg.OperationalError):
        check_idle_connection(connection)
