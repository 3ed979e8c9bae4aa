"""`ledger verify`'s check of the destruction rows against the ledger's confirmations.

A row of `ledger_retention_destructions` lives beside the events: the table refuses UPDATE and
DELETE, but anyone who may write to it may INSERT. The authority is the person's
`DataSubject.DestroyedUnderRetention` event, chained and under the signed tree, so every row
must match one (same person, same run, same time, same cases) and every such event must have
its row. A row slipped in for a person whose key was never destroyed by retention, or one
edited or deleted with the triggers off, is named by its subject id. (A run killed between
confirming and writing the rows leaves events without rows until it is run again.)
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final, NamedTuple
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.application.service import LedgerApplication
from ledger.integrity.breaks import ALTERED, INSERTED, MISSING, Break, Report
from ledger.integrity.checkpoints import Checkpoint
from ledger.integrity.tables import IntegrityTables
from ledger.subjects.subject import DataSubject, data_subject_id_for
from ledger.topics import topics_of
from projections.retention.archive_tables import ArchiveTables, DestructionRow

TABLE: Final = "ledger_retention_destructions"


class Confirmation(NamedTuple):
    """What a `DestroyedUnderRetention` event records of one person's destruction."""

    run_id: str
    at: datetime
    cases: list[str]


def confirmations(ledger: LedgerApplication, tables: IntegrityTables) -> dict[UUID, Confirmation]:
    """Every confirmed destruction, by the person's data-subject stream, as the ledger has it."""
    found: dict[UUID, Confirmation] = {}
    for topic in topics_of(DataSubject.DestroyedUnderRetention):  # type: ignore[attr-defined]
        for _, sid, version, stored_topic, state, _ in tables.events_with_topic(topic):
            confirmed: Any = ledger.mapper.to_domain_event(
                StoredEvent(UUID(bytes=bytes(sid)), version, stored_topic, bytes(state))
            )
            found[confirmed.originator_id] = Confirmation(
                str(confirmed.run_id), confirmed.timestamp, list(confirmed.cases)
            )
    return found


def problems(rows: Iterable[DestructionRow], confirmed: dict[UUID, Confirmation]) -> list[Break]:
    """Every destruction row that no confirmation backs or that differs from it, and every
    confirmation whose row is gone."""
    breaks: list[Break] = []
    seen: set[UUID] = set()
    for row in rows:
        try:
            stream = data_subject_id_for(UUID(row.subject_id))
        except ValueError:
            stream = None
        expected = confirmed.get(stream) if stream is not None else None
        if stream is None or expected is None:
            breaks.append(
                Break(
                    INSERTED,
                    "no destruction under retention in the ledger for this row: the person's "
                    "key was not destroyed by a retention run",
                    table=TABLE,
                    row=row.subject_id,
                )
            )
            continue
        seen.add(stream)
        if not _same(row, expected):
            breaks.append(
                Break(
                    ALTERED,
                    "the destruction row differs from the confirmation in the ledger (its run, "
                    "time or cases)",
                    stream_id=stream,
                    table=TABLE,
                    row=row.subject_id,
                )
            )
    breaks.extend(
        Break(
            MISSING,
            "the ledger confirms this person's destruction under retention; its row is gone",
            stream_id=stream,
            table=TABLE,
            row=str(stream),  # the subject id is not in the event: named by their stream
        )
        for stream in sorted(confirmed.keys() - seen)
    )
    return breaks


def _same(row: DestructionRow, expected: Confirmation) -> bool:
    try:
        same_time = datetime.fromisoformat(row.destroyed_at) == expected.at
    except (TypeError, ValueError):
        same_time = False
    return same_time and (row.run_id, row.cases) == (expected.run_id, expected.cases)


def destruction_check(
    ledger: LedgerApplication, tables: IntegrityTables, archive: ArchiveTables
) -> Callable[[Report, list[Checkpoint]], None]:
    """The destruction rows' part of `ledger verify`."""

    def check(report: Report, checkpoints: list[Checkpoint]) -> None:
        report.breaks.extend(problems(archive.destructions(), confirmations(ledger, tables)))

    return check
