"""Each signed checkpoint recorded as an event, so the checkpoint table has a record of its own.

The checkpoint table sits beside the events: a checkpoint's signature shows it genuine, and
their numbers must run 1, 2, 3…, but nothing signed says how many there were, so an insider who
deletes the latest rows (the tail) leaves a table that verifies. Once a checkpoint is stored, a
`CheckpointRecord` (a stream of its own, its id derived from the number) records its number,
size, root, time and a hash of its signature; the event is chained and enters the tree with
the next checkpoint, like any other. `ledger verify` compares every record with its row: a row
deleted (in the middle or the tail), edited or moved to another number is named by its number.

What this cannot show: the latest checkpoint deleted together with its record and everything
after the one before it (docs/tamper-evidence.md: keep checkpoints outside).
"""

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from ledger.errors import ConcurrencyError
from ledger.integrity.breaks import ALTERED, MISSING, Break, Report
from ledger.integrity.checkpoints import Checkpoint
from ledger.integrity.signed import CHECKPOINTS
from ledger.integrity.tables import IntegrityTables

if TYPE_CHECKING:
    from ledger.integrity.service import Integrity

TABLE: Final = CHECKPOINTS


class CheckpointRecord(Aggregate):
    """The ledger's own record that checkpoint `number` was signed, and what it signed."""

    @staticmethod
    def create_id(
        number: int, tree_size: int, root_hash: str, signed_at: str, signature_sha256: str
    ) -> UUID:
        return record_id(number)

    class Signed(Aggregate.Created):
        number: int
        tree_size: int
        root_hash: str
        signed_at: str
        signature_sha256: str

    @event(Signed)
    def __init__(
        self, number: int, tree_size: int, root_hash: str, signed_at: str, signature_sha256: str
    ) -> None:
        self.number = number
        self.tree_size = tree_size
        self.root_hash = root_hash
        self.signed_at = signed_at
        self.signature_sha256 = signature_sha256


SIGNED: Final = get_topic(CheckpointRecord.Signed)


def record_id(number: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"complaint-ledger:checkpoint:{number}")


def is_recorded(tables: IntegrityTables, number: int) -> bool:
    return bool(tables.events_of_streams([record_id(number)]))


def only_record_after(tables: IntegrityTables, latest: Checkpoint) -> bool:
    """Whether the one leaf after the checkpoint's tree is that checkpoint's own record."""
    leaf = tables.leaves(after=latest.tree_size - 1, below=latest.tree_size + 1, limit=1)
    return bool(leaf) and leaf[0][2] == record_id(latest.number).bytes


def facts(checkpoint: Checkpoint) -> tuple[int, int, str, str, str]:
    """What a record holds of a checkpoint: number, size, root, time, signature's SHA-256."""
    return (
        checkpoint.number,
        checkpoint.tree_size,
        checkpoint.root_hash.hex(),
        checkpoint.signed_at,
        hashlib.sha256(checkpoint.signature).hexdigest(),
    )


class Ledger(Protocol):
    """What recording needs of the application: its mapper and its save."""

    mapper: Any

    def save(self, *objs: Any, **kwargs: Any) -> Any: ...


def recorder(ledger: Ledger) -> Callable[[Checkpoint], None]:
    """Record a stored checkpoint as an event (once: the id follows from the number)."""

    def record(checkpoint: Checkpoint) -> None:
        try:
            ledger.save(CheckpointRecord(*facts(checkpoint)))
        except ConcurrencyError:
            pass  # another process recorded this number first; its row is the one stored

    return record


def recorded(ledger: Ledger, tables: IntegrityTables) -> dict[int, tuple[int, int, str, str, str]]:
    """Every checkpoint the ledger recorded, by number, as its record holds it."""
    found = {}
    for _, sid, version, topic, state, _ in tables.events_with_topic(SIGNED):
        signed: Any = ledger.mapper.to_domain_event(
            StoredEvent(UUID(bytes=bytes(sid)), version, topic, bytes(state))
        )
        found[int(signed.number)] = (
            int(signed.number),
            int(signed.tree_size),
            str(signed.root_hash),
            str(signed.signed_at),
            str(signed.signature_sha256),
        )
    return found


def problems(
    records: dict[int, tuple[int, int, str, str, str]], stored: list[Checkpoint]
) -> list[Break]:
    """Every recorded checkpoint whose row is gone or differs from its record.

    A row with no record is not one: a process killed between storing a checkpoint and
    recording it leaves one (the next checkpoint records it), and a row forged without the
    signing key fails its signature anyway.
    """
    by_number = {checkpoint.number: checkpoint for checkpoint in stored}
    breaks = []
    for number, expected in sorted(records.items()):
        row = by_number.get(number)
        if row is None:
            breaks.append(
                Break(
                    MISSING,
                    "the ledger recorded this checkpoint; its row is gone",
                    checkpoint=number,
                    table=TABLE,
                    row=number,
                )
            )
        elif facts(row) != expected:
            breaks.append(
                Break(
                    ALTERED,
                    "the checkpoint row differs from the ledger's record of it",
                    checkpoint=number,
                    table=TABLE,
                    row=number,
                )
            )
    return breaks


def record_checkpoints(integrity: "Integrity", ledger: Ledger) -> None:
    """Have `integrity` record each checkpoint it signs, and `verify` compare rows with records."""
    integrity.record = recorder(ledger)

    def check(report: Report, checkpoints: list[Checkpoint]) -> None:
        # The stored rows, not `checkpoints`: that list holds kept copies too.
        stored = integrity.checkpoints()
        report.breaks.extend(problems(recorded(ledger, integrity.tables), stored))

    integrity.checks.append(check)
