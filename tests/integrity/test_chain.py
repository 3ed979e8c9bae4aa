"""Every stored event carries its chain hash, computed the same way on both stores."""

import threading
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.errors import ConcurrencyError
from ledger.integrity.chain import GENESIS, chain_hash
from ledger.integrity.tables import integrity_tables_for
from tests.integrity.helpers import AGENT, register

STREAM = UUID("12345678-1234-5678-1234-567812345678")
OTHER = UUID("87654321-4321-8765-4321-876543218765")


def stored_rows(
    ledger: LedgerApplication,
) -> list[tuple[int, bytes, int, str, bytes, bytes | None]]:
    datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    tables = integrity_tables_for(datastore, ledger.recorder.events_table_name)  # type: ignore[attr-defined]
    return tables.events_in_stream_order(after=None, limit=10_000)


def test_the_chain_hash_encoding_is_pinned(ledger: LedgerApplication) -> None:
    """Both stores produce exactly these bytes for these events (see ledger/integrity/chain.py)."""
    ledger.recorder.insert_events(
        [
            StoredEvent(STREAM, 1, "ledger.complaint:Complaint.Registered", b'{"a":1}'),
            StoredEvent(STREAM, 2, "ledger.complaint:Complaint.Classified", b"\x00\xff"),
        ]
    )
    first, second = (row[5] for row in stored_rows(ledger))
    assert first is not None
    assert first.hex() == "14cbbe81ac36da72388f961740d47573c51376b3697bc6a25819481f12f85658"
    assert second == chain_hash(
        STREAM.bytes, 2, "ledger.complaint:Complaint.Classified", b"\x00\xff", first
    )


def test_events_of_several_streams_in_one_insert_each_link_to_their_own_stream(
    ledger: LedgerApplication,
) -> None:
    ledger.recorder.insert_events(
        [
            StoredEvent(STREAM, 1, "t:A", b"1"),
            StoredEvent(OTHER, 1, "t:A", b"2"),
            StoredEvent(STREAM, 2, "t:B", b"3"),
            StoredEvent(OTHER, 2, "t:B", b"4"),
        ]
    )
    ledger.recorder.insert_events([StoredEvent(STREAM, 3, "t:C", b"5")])
    previous: dict[bytes, bytes] = {}
    for _, stream, version, topic, state, stored in stored_rows(ledger):
        assert stored == chain_hash(stream, version, topic, state, previous.get(stream, GENESIS))
        previous[stream] = stored


def test_a_refused_stale_write_leaves_the_chain_unforked(ledger: LedgerApplication) -> None:
    ledger.recorder.insert_events([StoredEvent(STREAM, 1, "t:A", b"1")])
    with pytest.raises(IntegrityError):
        ledger.recorder.insert_events([StoredEvent(STREAM, 1, "t:Fork", b"2")])
    assert len(stored_rows(ledger)) == 1


def test_concurrent_writers_to_one_stream_never_fork_its_chain(
    ledger: LedgerApplication, clock: ManualClock
) -> None:
    (complaint_id,) = register(ledger, clock)
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def note(i: int) -> None:
        complaint = ledger.get_complaint(UUID(complaint_id))
        complaint.note_progress(note=_note(ledger, complaint, i), actor=AGENT, at=clock.now())
        barrier.wait()
        try:
            ledger.save(complaint)
            outcomes.append("saved")
        except ConcurrencyError:
            outcomes.append("refused")

    threads = [threading.Thread(target=note, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = [row for row in stored_rows(ledger) if row[1] == UUID(complaint_id).bytes]
    assert outcomes.count("saved") == len(rows) - 3 >= 1
    assert [row[2] for row in rows] == list(range(1, len(rows) + 1))
    previous = GENESIS
    for _, stream, version, topic, state, stored in rows:
        assert stored == chain_hash(stream, version, topic, state, previous)
        previous = stored


def _note(ledger: LedgerApplication, complaint: object, i: int) -> object:
    from privacy.fields import Personal

    return Personal.of(complaint.customer.subject_id, f"note {i}")  # type: ignore[attr-defined]
