"""The insider suite, on the archive: with the archive's triggers disabled, an archive row
edited, deleted, slipped in, moved to another case or another time, or the newest rows cut off,
is caught by plain `verify` and named by its case id (each row is sealed by an event in the
tree: projections/retention/archive_seal.py)."""

import json
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.service import Integrity
from projections.retention.archive_seal import archive_check
from projections.retention.archive_tables import archive_tables_for, canonical, record_sha256
from projections.retention.rules import RetentionRules
from projections.retention.run import RetentionRun
from tests.integrity.insider import Place, as_ledger_verify_runs, disable_triggers, located
from tests.integrity.test_tampering import Insider
from tests.retention.conftest import closed_complaint

T = "ledger_archives"
THREE_YEARS = timedelta(days=3 * 365)
FORGED_CASE = "00000000-0000-4000-8000-000000000017"


@pytest.fixture
def archived(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity, database_url: str
) -> Iterator[tuple[Integrity, Insider, list[str]]]:
    """Three complaints closed a day apart (A, B, C), archived by one run, under a checkpoint."""
    as_ledger_verify_runs(integrity, ledger)
    archive = archive_tables_for(ledger.recorder.datastore)  # type: ignore[attr-defined]
    integrity.checks.append(archive_check(ledger, integrity.tables, archive))
    cases = []
    for n in range(3):
        cases.append(str(closed_complaint(ledger, marker=f"Archived Person {n}").id))
        clock.advance(timedelta(days=1))
    clock.advance(THREE_YEARS)
    run = RetentionRun(ledger, integrity, archive, RetentionRules()).run()
    assert sorted(run.archived) == sorted(cases)
    integrity.checkpoint()
    insider = Insider(database_url)
    disable_triggers(insider, T)
    yield integrity, insider, cases
    insider.close()


def _table(insider: Insider) -> str:
    return f"{insider.events.rsplit('.', 1)[0]}.{T}"


def _edit(insider: Insider, case: str) -> None:
    """A better CSAT, with the row's own hash recomputed."""
    (row,) = insider.execute(f"SELECT record FROM {_table(insider)} WHERE case_id = %s", (case,))
    record = {**json.loads(row[0]), "csat": 5, "sla": {"resolution": "met"}}
    insider.execute(
        f"UPDATE {_table(insider)} SET record = %s, sha256 = %s WHERE case_id = %s",
        (canonical(record), record_sha256(record), case),
    )


def _swap(insider: Insider, column: str, first: str, second: str) -> None:
    table = _table(insider)
    insider.execute(
        f"UPDATE {table} a SET {column} = b.{column} FROM {table} b "
        "WHERE (a.case_id, b.case_id) IN ((%s, %s), (%s, %s))",
        (first, second, second, first),
    )


def _insert(insider: Insider, copied: str) -> None:
    table = _table(insider)
    insider.execute(
        f"INSERT INTO {table} SELECT %s, kind, closed_at, archived_at, run_id, record, sha256 "
        f"FROM {table} WHERE case_id = %s",
        (FORGED_CASE, copied),
    )


def _delete(insider: Insider, *cases: str) -> None:
    insider.execute(f"DELETE FROM {_table(insider)} WHERE case_id = ANY(%s)", (list(cases),))


Tampering = Callable[[Insider, list[str]], object]
ARCHIVE: dict[str, tuple[Tampering, Callable[[list[str]], set[Place]]]] = {
    "edit": (lambda i, c: _edit(i, c[1]), lambda c: {("altered", T, c[1])}),
    "delete": (lambda i, c: _delete(i, c[1]), lambda c: {("missing", T, c[1])}),
    "insert": (lambda i, c: _insert(i, c[0]), lambda c: {("inserted", T, FORGED_CASE)}),
    "reorder: records swapped between cases": (
        lambda i, c: _swap(i, "record", c[0], c[2]),
        lambda c: {("altered", T, c[0]), ("altered", T, c[2])},
    ),
    "reorder: closure times swapped": (
        lambda i, c: _swap(i, "closed_at", c[0], c[2]),
        lambda c: {("altered", T, c[0]), ("altered", T, c[2])},
    ),
    "truncate the tail": (
        lambda i, c: _delete(i, c[1], c[2]),
        lambda c: {("missing", T, c[1]), ("missing", T, c[2])},
    ),
}


def test_an_untouched_archive_verifies(archived: tuple[Integrity, Insider, list[str]]) -> None:
    integrity, _, _ = archived
    report = integrity.verify()
    assert report.intact, [b.describe() for b in report.breaks]


@pytest.mark.parametrize("tampering", sorted(ARCHIVE))
def test_an_insider_tampering_with_the_archive_is_caught_and_located(
    archived: tuple[Integrity, Insider, list[str]], tampering: str
) -> None:
    integrity, insider, cases = archived
    tamper, expected = ARCHIVE[tampering]
    tamper(insider, cases)
    report = integrity.verify()
    assert expected(cases) <= located(report), [b.describe() for b in report.breaks]
