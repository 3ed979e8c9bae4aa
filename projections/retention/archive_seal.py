"""Archive records sealed into the ledger: each one's hash is an event under the signed tree.

An archive row lives in a table beside the events, which an insider can edit (recomputing the
row's own hash). So each row written by a retention run is also recorded as an event, on a
stream of its own (`ArchiveSeal`, id derived from the case id) carrying the record's SHA-256,
the run that wrote it and the archival time the row holds: the event is chained and in the
Merkle tree like any other, and `ledger verify` (the check below, which the wiring passes to
it) and `ledger archive export` compare every row with its seal. A row edited (its record, its
run or its archival time), deleted, slipped in or swapped is named by its case id.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final, NamedTuple
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from ledger.application.service import LedgerApplication
from ledger.integrity.breaks import ALTERED, INSERTED, MISSING, Break, Report
from ledger.integrity.checkpoints import Checkpoint
from ledger.integrity.tables import IntegrityTables
from projections.retention.archive_tables import (
    ArchiveRow,
    ArchiveTables,
    StoredDigest,
    record_sha256,
)

TABLE: Final = "ledger_archives"


class ArchiveSeal(Aggregate):
    """The archive record of one case, sealed: its case, its SHA-256, the run that wrote it and
    when."""

    @staticmethod
    def create_id(case_id: str) -> UUID:
        return seal_id(case_id)

    class Sealed(Aggregate.Created):
        # Version 2 carries the row's archival time as the row spells it (served, counted by
        # month and exported): None in earlier seals, which bound it by their own time only.
        class_version = 2
        case_id: str
        record_sha256: str
        run_id: str
        archived_at: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["archived_at"] = None

    @event(Sealed)
    def __init__(
        self, case_id: str, record_sha256: str, run_id: str, archived_at: str | None
    ) -> None:
        self.case_id = case_id
        self.record_sha256 = record_sha256
        self.run_id = run_id
        self.archived_at = archived_at


SEALED: Final = get_topic(ArchiveSeal.Sealed)


def seal_id(case_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"complaint-ledger:archive:{case_id}")


class Seal(NamedTuple):
    """What the ledger sealed of one archive row, and when it sealed it."""

    record_sha256: str
    run_id: str
    archived_at: str | None  # None in seals written before they carried it
    sealed_at: datetime


def seals(ledger: LedgerApplication, tables: IntegrityTables) -> dict[str, Seal]:
    """Every sealed case id and what its seal carries, as the ledger stores them."""
    found: dict[str, Seal] = {}
    for _, sid, version, topic, state, _ in tables.events_with_topic(SEALED):
        sealed: Any = ledger.mapper.to_domain_event(
            StoredEvent(UUID(bytes=bytes(sid)), version, topic, bytes(state))
        )
        found[str(sealed.case_id)] = Seal(
            str(sealed.record_sha256), str(sealed.run_id), sealed.archived_at, sealed.timestamp
        )
    return found


def seal(
    ledger: LedgerApplication, tables: IntegrityTables, rows: Iterable[ArchiveRow | StoredDigest]
) -> None:
    """Record a seal for each stored row that has none yet (a run killed between the two left
    it without one)."""
    ids = {seal_id(row.case_id): row for row in rows}
    if not ids:
        return
    sealed = {UUID(bytes=bytes(r[1])) for r in tables.events_of_streams(list(ids))}
    new = [
        ArchiveSeal(row.case_id, row.sha256, row.run_id, row.archived_at)
        for stream, row in ids.items()
        if stream not in sealed
    ]
    if new:
        ledger.save(*new)


def problems(rows: Iterable[ArchiveRow], sealed: dict[str, Seal]) -> list[Break]:
    """Every archive row that differs from its seal, has none, or is gone."""
    breaks: list[Break] = []
    seen = set()
    for row in rows:
        seen.add(row.case_id)
        expected = sealed.get(row.case_id)
        if expected is None:
            breaks.append(
                Break(
                    INSERTED,
                    "no seal in the ledger for this archive row",
                    table=TABLE,
                    row=row.case_id,
                )
            )
        elif (
            record_sha256(row.record) != expected.record_sha256
            or row.sha256 != expected.record_sha256
            or moved(row)
            or restamped(row, expected)
        ):
            breaks.append(
                Break(
                    ALTERED,
                    "the archive record differs from the one sealed in the ledger",
                    table=TABLE,
                    row=row.case_id,
                )
            )
    breaks.extend(
        Break(
            MISSING,
            "the ledger sealed this case's archive record; the row is gone",
            table=TABLE,
            row=case_id,
        )
        for case_id in sorted(sealed.keys() - seen)
    )
    return breaks


def moved(row: ArchiveRow) -> bool:
    """Whether the row's own columns disagree with its sealed record: the case, its kind or its
    closure time (what the archive is listed and exported by) changed around the seal."""
    record = row.record
    closed = record.get("timestamps", {}).get("closed_at") or row.closed_at
    try:
        same_time = datetime.fromisoformat(closed) == datetime.fromisoformat(row.closed_at)
    except (TypeError, ValueError):
        same_time = False
    return not same_time or (record.get("case_id"), record.get("kind")) != (row.case_id, row.kind)


def restamped(row: ArchiveRow, seal: Seal) -> bool:
    """Whether the row's run or archival time (served, counted and exported, outside the
    record's hash) differs from its seal's; a seal without the time bounds it: a row is written
    before its seal."""
    if row.run_id != seal.run_id:
        return True
    if seal.archived_at is not None:
        return row.archived_at != seal.archived_at
    try:
        return datetime.fromisoformat(row.archived_at) > seal.sealed_at
    except (TypeError, ValueError):
        return True


def archive_check(
    ledger: LedgerApplication, tables: IntegrityTables, archive: ArchiveTables
) -> Callable[[Report, list[Checkpoint]], None]:
    """The archive's part of `ledger verify`."""

    def check(report: Report, checkpoints: list[Checkpoint]) -> None:
        report.breaks.extend(problems(archive.archives(limit=10**12), seals(ledger, tables)))

    return check
