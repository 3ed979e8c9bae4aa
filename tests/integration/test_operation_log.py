"""The operation log is append-only in the database and hash-chained against everyone else."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import NAMESPACE_URL, uuid5

import psycopg
import pytest
from psycopg import sql

from ledger.application.service import LedgerApplication
from ledger.audit.access_log import Access
from ledger.audit.operation_log import (
    GENESIS,
    Head,
    LoggedOperation,
    Operation,
    OperationLog,
    OperationLogError,
)
from ledger.clock import ManualClock
from tests.conftest import POSTGRES_URL


@pytest.fixture
def oplog(ledger: LedgerApplication) -> OperationLog:
    return OperationLog(ledger.recorder.datastore)  # type: ignore[attr-defined]


def _operation(clock: ManualClock, n: int) -> Operation:
    return Operation(
        at=clock.now() + timedelta(seconds=n),
        request_id=f"req-{n}",
        staff_id="agent-7",
        role="agent",
        operation="complaints.read",
        target=f"complaint:{n}",
        result="allowed",
        status=200,
    )


def _filled(oplog: OperationLog, clock: ManualClock, rows: int = 5) -> None:
    for n in range(1, rows + 1):
        oplog.append(_operation(clock, n))


def _execute(database_url: str, statement: str, *params: Any, triggers: bool = True) -> None:
    """Run SQL straight on the database; without triggers, as a superuser could."""
    schema = parse_qs(urlsplit(database_url).query)["schema"][0]
    with psycopg.connect(POSTGRES_URL) as connection:
        connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        if not triggers:
            connection.execute("ALTER TABLE ledger_operation_log DISABLE TRIGGER USER")
        connection.execute(statement, params)  # type: ignore[arg-type]


def _tamper(database_url: str, statement: str, *params: Any) -> None:
    _execute(database_url, statement, *params, triggers=False)


def test_an_untouched_chain_verifies_and_its_head_is_the_last_row(
    oplog: OperationLog, clock: ManualClock
) -> None:
    assert oplog.head() == Head(0, GENESIS)
    _filled(oplog, clock)
    result = oplog.verify()
    assert (result.intact, result.count) == (True, 5)
    assert oplog.head() == Head(5, result.head)
    assert oplog.query(limit=1)[0].hash == result.head


def test_appends_from_many_threads_at_once_each_get_their_own_row_of_one_intact_chain(
    oplog: OperationLog, clock: ManualClock
) -> None:
    barrier = threading.Barrier(16)

    def append(n: int) -> LoggedOperation:
        barrier.wait()
        return oplog.append(_operation(clock, n))

    with ThreadPoolExecutor(16) as pool:
        logged = list(pool.map(append, range(1, 17)))
    assert sorted(entry.seq for entry in logged) == list(range(1, 17))
    assert [entry.request_id for entry in logged] == [f"req-{n}" for n in range(1, 17)]
    result = oplog.verify()
    assert (result.intact, result.count) == (True, 16)
    assert {entry.hash for entry in logged} == {row.hash for row in oplog.query(limit=16)}


def test_the_database_refuses_to_change_or_delete_a_row(
    oplog: OperationLog, clock: ManualClock, database_url: str
) -> None:
    _filled(oplog, clock, rows=1)
    for statement in (
        "UPDATE ledger_operation_log SET status = 500",
        "DELETE FROM ledger_operation_log",
        *(["TRUNCATE ledger_operation_log"] if "postgres" in database_url else []),
    ):
        with pytest.raises(Exception, match="append-only"):
            _execute(database_url, statement)
    assert oplog.verify().count == 1


def test_an_altered_row_is_found(
    oplog: OperationLog, clock: ManualClock, database_url: str
) -> None:
    _filled(oplog, clock)
    _tamper(database_url, "UPDATE ledger_operation_log SET staff_id = %s WHERE seq = 3", "x")
    assert oplog.verify().problems == ["row 3 was altered"]


def test_a_removed_row_is_found(oplog: OperationLog, clock: ManualClock, database_url: str) -> None:
    _filled(oplog, clock)
    _tamper(database_url, "DELETE FROM ledger_operation_log WHERE seq = 2")
    problems = oplog.verify().problems
    assert "rows 2..2 are missing" in problems
    assert "row 3 does not follow the row before it" in problems


def test_a_row_slipped_in_is_found(
    oplog: OperationLog, clock: ManualClock, database_url: str
) -> None:
    _filled(oplog, clock)
    _tamper(
        database_url,
        "INSERT INTO ledger_operation_log SELECT seq + 100, at, request_id, staff_id, role, "
        "operation, target, result, status, prev_hash, hash FROM ledger_operation_log "
        "WHERE seq = 2",
    )
    assert oplog.verify().problems == [
        "rows 6..101 are missing",
        "row 102 does not follow the row before it",
        "row 102 was altered",
    ]


def test_a_chain_cut_short_is_found_against_a_checkpointed_head(
    oplog: OperationLog, clock: ManualClock, database_url: str
) -> None:
    _filled(oplog, clock)
    checkpoint = oplog.head()
    _tamper(database_url, "DELETE FROM ledger_operation_log WHERE seq = 5")
    assert oplog.verify().intact  # a shorter chain is still a chain...
    assert not oplog.verify(expected=checkpoint).intact  # ...but not the one that was pinned


def test_a_retention_below_six_months_is_refused(ledger: LedgerApplication) -> None:
    with pytest.raises(OperationLogError, match="at least 183 days"):
        OperationLog(ledger.recorder.datastore, retention=timedelta(days=90))  # type: ignore[attr-defined]


def _access(clock: ManualClock, n: int) -> Access:
    return Access(
        at=clock.now(),
        staff_id="agent-7",
        role="agent",
        subject_id=uuid5(NAMESPACE_URL, f"subject-{n}"),
        fields=("customer.name",),
        purpose="GET /v1/complaints/<id>",
    )


def test_the_reveals_of_a_request_are_written_with_its_operation(
    ledger: LedgerApplication, clock: ManualClock
) -> None:
    oplog = OperationLog(ledger.recorder.datastore, access_log=ledger.access_log)  # type: ignore[attr-defined]
    barrier = threading.Barrier(8)

    def append(n: int) -> LoggedOperation:
        barrier.wait()
        return oplog.append(_operation(clock, n), [_access(clock, n)])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(append, range(1, 9)))
    assert {entry.subject_id for entry in ledger.access_log.query(limit=100)} == {
        _access(clock, n).subject_id for n in range(1, 9)
    }
    assert oplog.verify().count == 8


def test_a_requests_reveals_are_under_its_rows_hash(
    oplog: OperationLog, clock: ManualClock, ledger: LedgerApplication, database_url: str
) -> None:
    oplog.append(_operation(clock, 1), [_access(clock, 1)])
    oplog.append(_operation(clock, 2))
    [seen] = ledger.access_log.query()
    assert seen.subject_id == _access(clock, 1).subject_id
    _tamper(database_url, "UPDATE ledger_operation_log SET reveals = '' WHERE seq = 1")
    assert ledger.access_log.query() == []
    assert oplog.verify().problems == ["row 1 was altered"]


AWKWARD = 'a "quote", a \\ backslash, \n\r\t\b\f, \x01 and \x7f, 中文, 😀, \u2028 and /'


@pytest.mark.parametrize(
    ("reveals", "token_id"), [(False, None), (True, AWKWARD), (False, ""), (True, None)]
)
def test_the_table_chains_each_row_as_verify_recomputes_it(
    oplog: OperationLog, clock: ManualClock, reveals: bool, token_id: str | None
) -> None:
    awkward = Operation(
        at=clock.now(),
        request_id=AWKWARD,
        staff_id=AWKWARD,
        role="agent",
        operation=AWKWARD,
        target=AWKWARD,
        result="allowed",
        status=201,
        token_id=token_id,
    )
    first = oplog.append(awkward, [replace(_access(clock, 1), purpose=AWKWARD)] if reveals else [])
    second = oplog.append(_operation(clock, 2))
    assert (first.seq, second.seq, second.prev_hash) == (1, 2, first.hash)
    assert oplog.verify().problems == []
    assert oplog.head() == Head(2, second.hash)
