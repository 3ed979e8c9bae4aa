"""What the insider suites share: the ledger's verify as `ledger verify` runs it, and reading
where a report located its breaks."""

from collections.abc import Callable

from ledger.application.service import LedgerApplication
from ledger.integrity.beside import check_beside
from ledger.integrity.breaks import Report
from ledger.integrity.service import Integrity
from tests.integrity.test_tampering import Insider

Tamper = Callable[[Insider, str], object]
"""A change an insider makes through their own connection, given the schema (quoted)."""

Place = tuple[str, str, str]
"""A located break: its kind, the table and the row it names."""


def as_ledger_verify_runs(integrity: Integrity, ledger: LedgerApplication) -> Integrity:
    """`integrity` with every check beside the events that `ledger verify` runs."""
    check_beside(integrity, ledger)
    return integrity


def located(report: Report) -> set[Place]:
    """Every break that names a table, as (kind, table, row)."""
    return {(b.kind, str(b.table), str(b.row)) for b in report.breaks if b.table is not None}


def schema_of(insider: Insider) -> str:
    return insider.events.rsplit(".", 1)[0]


def disable_triggers(insider: Insider, *tables: str) -> None:
    """Every trigger off on these tables (the append-only refusals, the chaining)."""
    schema = schema_of(insider)
    for table in tables:
        insider.execute(f"ALTER TABLE {schema}.{table} DISABLE TRIGGER USER")
