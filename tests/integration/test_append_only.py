"""Stored events cannot be changed or removed, whoever asks: the database itself refuses.

Each test registers a complaint through the application, then goes around it with a plain
connection of its own (`psycopg`) and tries to rewrite the log.
"""

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.store.recorders import APPEND_ONLY_MESSAGE
from ledger.store.settings import settings_for_url
from ledger.values import Actor

AGENT = Actor(staff_id="agent-7", role="agent", department="service")

UPDATES = {
    "rewrite an event's payload": "UPDATE {table} SET state = state || state "
    "WHERE originator_version = 1",
    "rename every event's type": "UPDATE {table} SET topic = 'ledger.cases.complaint:Complaint.Forged'",
    "renumber the stream": "UPDATE {table} SET originator_version = originator_version + 10",
}
DELETES = {
    "delete one event": "DELETE FROM {table} WHERE originator_version = 1",
    "delete the whole log": "DELETE FROM {table}",
}
# Overwriting an event by inserting over its key: the upsert updates the stored row.
OVERWRITE = (
    "INSERT INTO {table} (originator_id, originator_version, topic, state) "
    "SELECT originator_id, originator_version, 'forged', state FROM {table} "
    "ON CONFLICT (originator_id, originator_version) DO UPDATE SET topic = EXCLUDED.topic"
)


class EventTable:
    """The ledger's event table over a raw connection that bypasses the application."""

    refused = psycopg.errors.InsufficientPrivilege  # what a refusing trigger raises

    def __init__(self, database_url: str) -> None:
        server_url, _, _ = database_url.partition("?")
        self.table = sql.Identifier(
            settings_for_url(database_url)["POSTGRES_SCHEMA"], "ledger_events"
        )
        self.connection = psycopg.connect(server_url, autocommit=True)

    def execute(self, template: str) -> None:
        """Run a statement with `{table}` standing for the event table."""
        self.connection.execute(sql.SQL(template).format(table=self.table))

    def rows(self) -> list[tuple[Any, ...]]:
        """Every stored event with its notification id, in order."""
        return self.connection.execute(
            sql.SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {table} ORDER BY notification_id"
            ).format(table=self.table)
        ).fetchall()

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def complaint(ledger: LedgerApplication) -> Complaint:
    complaint = ledger.register_complaint(
        channel="phone",
        customer_name="Ada Example",
        summary="Parcel arrived damaged",
        description="The box was crushed and the kettle inside is cracked.",
        actor=AGENT,
    )
    ledger.assign_complaint(complaint.id, actor=AGENT)
    return complaint


@pytest.fixture
def event_table(database_url: str, complaint: Complaint) -> Iterator[EventTable]:
    table = EventTable(database_url)
    assert len(table.rows()) == 2, "the complaint's Registered and Assigned events"
    yield table
    table.close()


def refusal(table: EventTable, operation: str) -> Any:
    return pytest.raises(table.refused, match=f"{APPEND_ONLY_MESSAGE}: {operation} refused")


@pytest.mark.parametrize("statement", UPDATES.values(), ids=UPDATES.keys())
def test_stored_events_cannot_be_updated(event_table: EventTable, statement: str) -> None:
    before = event_table.rows()

    with refusal(event_table, "UPDATE"):
        event_table.execute(statement)

    assert event_table.rows() == before


@pytest.mark.parametrize("statement", DELETES.values(), ids=DELETES.keys())
def test_stored_events_cannot_be_deleted(event_table: EventTable, statement: str) -> None:
    before = event_table.rows()

    with refusal(event_table, "DELETE"):
        event_table.execute(statement)

    assert event_table.rows() == before


def test_event_table_cannot_be_truncated(event_table: EventTable) -> None:
    before = event_table.rows()

    with refusal(event_table, "TRUNCATE"):
        event_table.execute("TRUNCATE {table}")

    assert event_table.rows() == before


def test_stored_events_cannot_be_overwritten_by_inserting_over_them(
    event_table: EventTable,
) -> None:
    before = event_table.rows()

    with pytest.raises(event_table.refused, match=APPEND_ONLY_MESSAGE):
        event_table.execute(OVERWRITE)

    assert event_table.rows() == before


def test_complaint_reads_the_same_after_refused_changes(
    ledger: LedgerApplication, complaint: Complaint, event_table: EventTable
) -> None:
    history_before = ledger.get_history(complaint.id)

    for statement in [*UPDATES.values(), *DELETES.values()]:
        with pytest.raises(event_table.refused):
            event_table.execute(statement)

    assert ledger.get_history(complaint.id) == history_before
    assert ledger.get_complaint(complaint.id).owner == AGENT.staff_id


def test_ledger_still_appends_after_a_refused_change(
    ledger: LedgerApplication, complaint: Complaint, event_table: EventTable
) -> None:
    with pytest.raises(event_table.refused):
        event_table.execute(DELETES["delete the whole log"])

    ledger.note_progress(complaint.id, note="Courier asked for photos", actor=AGENT)

    assert [entry.event for entry in ledger.get_history(complaint.id)] == [
        "Registered",
        "Assigned",
        "ProgressNoted",
    ]
    assert len(event_table.rows()) == 3
