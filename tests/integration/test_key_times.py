"""A data key's times are the ledger's clock, as every other time it records."""

from datetime import timedelta

import psycopg
from psycopg import sql

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.values import Actor
from tests.conftest import POSTGRES_URL
from tests.integration.test_reading_keys_with_events import registered

PRIVACY = Actor("po-1", "privacy_officer", None)


def _key_row_times(ledger: LedgerApplication, subject: str) -> tuple[str, str | None]:
    schema = ledger.recorder.datastore.schema  # type: ignore[attr-defined]
    with psycopg.connect(POSTGRES_URL) as connection:
        row = connection.execute(
            sql.SQL("SELECT created_at, erased_at FROM {} WHERE subject_id = %s").format(
                sql.Identifier(schema, "ledger_subject_keys")
            ),
            (subject,),
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def test_a_key_is_made_and_destroyed_at_the_ledgers_time(
    ledger: LedgerApplication, clock: ManualClock
) -> None:
    clock.advance(timedelta(days=400))  # far from the wall clock
    made = clock.now()
    subject = registered(ledger).customer.subject_id
    clock.advance(timedelta(hours=1))
    ledger.erase_subject(subject, legal_basis="request", actor=PRIVACY)
    assert _key_row_times(ledger, str(subject)) == (made.isoformat(), clock.now().isoformat())
