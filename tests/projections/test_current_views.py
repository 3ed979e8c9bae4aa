"""A read answered from the views first brings them to the head of the log, in one statement
when a worker has already done so."""

import psycopg

from ledger.application.service import LedgerApplication
from projections.engine.read_side import ReadSide
from tests.projections.conftest import new_complaint

VIEWS = ("case_status", "sla")


def test_views_behind_the_log_are_caught_up_to_its_head(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    new_complaint(ledger)
    head = read_side.head()
    current = read_side.current(VIEWS)
    assert {name: position for name, (_, position) in current.items()} == dict.fromkeys(VIEWS, head)
    assert current["case_status"][0] == read_side.generation("case_status")


def test_views_at_the_head_are_read_in_one_statement_and_left_as_they_are(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    new_complaint(ledger)
    caught_up = read_side.current(VIEWS)
    statements: list[str] = []
    original = psycopg.Cursor.execute

    def counted(cursor: psycopg.Cursor, query: object, *args: object, **kwargs: object) -> object:
        statements.append(str(query))
        return original(cursor, query, *args, **kwargs)  # type: ignore[arg-type]

    psycopg.Cursor.execute = counted  # type: ignore[method-assign,assignment]
    try:
        again = read_side.current(VIEWS)
    finally:
        psycopg.Cursor.execute = original  # type: ignore[method-assign]
    assert again == caught_up
    assert len(statements) == 1, statements


def test_a_view_never_used_gets_its_first_generation(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    new_complaint(ledger)
    with ledger.recorder.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
        cursor.execute(
            f'DELETE FROM "{ledger.recorder.datastore.schema}".projection_generations '  # type: ignore[attr-defined]
            "WHERE name = 'sla'"
        )
    assert read_side.current(VIEWS)["sla"] == (1, read_side.head())


def test_views_kept_by_a_worker_elsewhere_are_read_where_they_stand(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    before = read_side.current(VIEWS)
    new_complaint(ledger)
    assert read_side.current(VIEWS, catch_up_first=False) == before
