"""Reads run without a transaction around them, so a pooled connection keeps the statements it
has prepared: psycopg forgets them all at a ROLLBACK, and every request would prepare its token
lookup and operation-log append again (privacy/db/single_reads.py)."""

import pytest

from ledger.access.tokens import TokenStore
from ledger.application.service import LedgerApplication
from ledger.audit.operation_log import OperationLog
from projections.engine.read_side import ReadSide

pytestmark = pytest.mark.postgres


def _prepared(ledger: LedgerApplication) -> set[str]:
    """The statements the pool's connection has prepared, as the server lists them."""
    with ledger.recorder.datastore.get_connection() as connection:  # type: ignore[attr-defined]
        rows = connection.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    return {str(row["statement"]) for row in rows}


def test_reads_of_views_and_side_tables_keep_the_connections_prepared_statements(
    one_connection_ledger: LedgerApplication,
) -> None:
    ledger = one_connection_ledger
    datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    with datastore.get_connection() as connection:
        connection.execute("SELECT 'kept' AS marker", prepare=True)
    side = ReadSide(ledger)
    side.catch_up()

    side.current(["case_status"], catch_up_first=False)  # every list and queue request
    TokenStore(datastore).count()
    OperationLog(datastore).head()
    ledger.keys.master_key_ids_in_use()

    assert "SELECT 'kept' AS marker" in _prepared(ledger)
