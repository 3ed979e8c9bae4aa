"""An insider with write access to the database cannot change the ledger unnoticed.

Each test records three complaints (streams A, B, C of three events each, logged A1..A3 B1..B3
C1..C3), signs a checkpoint, then tampers the way an insider would: through a plain connection
of its own, with the append-only triggers dropped. `verify_ledger` must name the place.
"""

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import sql

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.chain import chain_hash
from ledger.integrity.checkpoints import sign
from ledger.integrity.service import Integrity
from ledger.integrity.verify import Report, verify_ledger
from ledger.store.settings import settings_for_url
from privacy.keys.master_key import MasterKeyring, generate_key, key_id_for
from tests.conftest import POSTGRES_URL
from tests.integrity.helpers import AGENT, register


class Insider:
    """The ledger's tables over a raw connection, with every protective trigger disabled."""

    def __init__(self, database_url: str) -> None:
        schema = settings_for_url(database_url)["POSTGRES_SCHEMA"]
        self.connection = psycopg.connect(POSTGRES_URL, autocommit=True)
        self.events = f'"{schema}".ledger_events'
        self.checkpoints = f'"{schema}".ledger_checkpoints'
        for table in (self.events, self.checkpoints):
            self.connection.execute(
                sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.SQL(table))
            )

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
        cursor = self.connection.execute(statement, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []

    def event(self, stream_id: str, version: int) -> tuple[int, str, bytes, bytes]:
        (row,) = self.execute(
            f"SELECT notification_id, topic, state, chain_hash FROM {self.events} "
            "WHERE originator_id = %s AND originator_version = %s",
            (UUID(stream_id), version),
        )
        return int(row[0]), row[1], bytes(row[2]), bytes(row[3])

    def delete(self, stream_id: str, version: int | None = None) -> None:
        where, params = "originator_id = %s", [UUID(stream_id)]
        if version is not None:
            where += " AND originator_version = %s"
            params.append(version)  # type: ignore[arg-type]
        self.execute(f"DELETE FROM {self.events} WHERE {where}", tuple(params))

    def set_notification_id(self, old: int, new: int) -> None:
        self.execute(
            f"UPDATE {self.events} SET notification_id = %s WHERE notification_id = %s",
            (new, old),
        )

    def close(self) -> None:
        self.connection.close()


@pytest.fixture(autouse=True, params=["one page", "pages of two"])
def pages(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every tampering is named alike whether verify reads the log in one page or in many.

    With pages of two rows, the pages before the tampered one take verify's page-at-a-time
    fast path, and the walk event by event starts mid-log.
    """
    if request.param == "pages of two":
        monkeypatch.setattr("ledger.integrity.pages.BATCH", 2)


@pytest.fixture
def streams(ledger: LedgerApplication, clock: ManualClock, integrity: Integrity) -> list[str]:
    """Three complaints, A, B and C, of three events each, under a signed checkpoint."""
    ids = register(ledger, clock, 3)
    integrity.checkpoint()
    return ids


@pytest.fixture
def insider(database_url: str, streams: list[str]) -> Iterator[Insider]:
    raw = Insider(database_url)
    yield raw
    raw.close()


def verify(integrity: Integrity) -> Report:
    return verify_ledger(integrity.tables, integrity.public_key, integrity.checkpoints())


def places(report: Report) -> set[tuple[str, str | None, int | None]]:
    return {(b.kind, str(b.stream_id) if b.stream_id else None, b.version) for b in report.breaks}


def test_an_untouched_ledger_verifies_clean(integrity: Integrity, streams: list[str]) -> None:
    report = verify(integrity)
    assert report.intact, [b.describe() for b in report.breaks]
    assert (report.events, report.streams, report.leaves) == (9, 3, 9)


def test_erasing_subjects_and_rotating_master_keys_leaves_the_ledger_verifiable(
    ledger: LedgerApplication,
    database_url: str,
    clock: ManualClock,
    integrity: Integrity,
    keyring: MasterKeyring,
    streams: list[str],
) -> None:
    subject = ledger.get_complaint(UUID(streams[1])).customer.subject_id
    ledger.erase_subject(subject, legal_basis="GDPR art. 17", actor=AGENT)
    new_key = generate_key()
    rotated = MasterKeyring(
        key_id_for(new_key), {**keyring.keys, key_id_for(new_key): new_key}, "tests"
    )
    other = LedgerApplication(settings_for_url(database_url), keyring=rotated, clock=clock)
    try:
        assert other.keys.rotate() > 0
    finally:
        other.close()
    integrity.checkpoint()
    report = verify(integrity)
    assert report.intact, [b.describe() for b in report.breaks]
    assert report.checkpoints == 2


def test_one_changed_byte_in_an_events_data_is_named(
    integrity: Integrity, insider: Insider, streams: list[str]
) -> None:
    b = streams[1]
    _, _, state, _ = insider.event(b, 2)
    changed = bytes([state[0] ^ 0x01]) + state[1:]
    insider.execute(
        f"UPDATE {insider.events} SET state = %s "
        f"WHERE originator_id = %s AND originator_version = 2",
        (changed, UUID(b)),
    )
    assert places(verify(integrity)) == {("altered", b, 2)}


def test_an_event_deleted_from_the_middle_of_a_stream_is_named(
    integrity: Integrity, insider: Insider, streams: list[str]
) -> None:
    insider.delete(streams[1], 2)
    assert places(verify(integrity)) == {("missing", streams[1], 2)}


def test_an_event_deleted_from_the_end_of_a_stream_is_named(
    integrity: Integrity, insider: Insider, streams: list[str]
) -> None:
    insider.delete(streams[1], 3)
    assert places(verify(integrity)) == {("missing", streams[1], 3)}


def test_a_forged_event_with_a_well_computed_chain_hash_is_named(
    integrity: Integrity, insider: Insider, streams: list[str]
) -> None:
    b = streams[1]
    _, topic, state, last = insider.event(b, 3)
    forged = chain_hash(UUID(b).bytes, 4, topic, state, last)
    # Backdated to notification id 0, before every real event.
    insider.execute(
        f"INSERT INTO {insider.events} (notification_id, originator_id, originator_version, "
        f"topic, state, chain_hash) VALUES (0, %s, 4, %s, %s, "
        f"%s)",
        (UUID(b), topic, state, forged),
    )
    assert places(verify(integrity)) == {("inserted", b, 4)}


def test_two_events_swapped_in_the_log_are_named(
    integrity: Integrity, insider: Insider, streams: list[str]
) -> None:
    a, _, c = streams
    first, second = insider.event(a, 2)[0], insider.event(c, 1)[0]
    insider.set_notification_id(first, -1)
    insider.set_notification_id(second, first)
    insider.set_notification_id(-1, second)
    assert places(verify(integrity)) == {("reordered", a, 2), ("reordered", c, 1)}


def test_a_whole_deleted_stream_is_named_event_by_event(
    integrity: Integrity, insider: Insider, streams: list[str]
) -> None:
    insider.delete(streams[1])
    assert places(verify(integrity)) == {("missing", streams[1], v) for v in (1, 2, 3)}


def test_a_truncated_tail_of_the_log_is_named_from_its_first_missing_event(
    integrity: Integrity, insider: Insider, streams: list[str]
) -> None:
    c = streams[2]
    insider.execute(
        f"DELETE FROM {insider.events} WHERE notification_id > %s",
        (insider.event(c, 1)[0],),
    )
    report = verify(integrity)
    assert places(report) == {("truncated", c, 2)}
    assert "2 event(s)" in report.breaks[0].detail


def test_a_forged_event_below_version_1_is_named_with_the_event_it_would_precede(
    integrity: Integrity, insider: Insider, streams: list[str]
) -> None:
    """The ledger never writes version 0: its stream's version 1 no longer chains from what
    now stands before it, and the row is not in the tree."""
    b = streams[1]
    _, topic, state, _ = insider.event(b, 1)
    forged = chain_hash(UUID(b).bytes, 0, topic, state, None)
    insider.execute(
        f"INSERT INTO {insider.events} (notification_id, originator_id, originator_version, "
        f"topic, state, chain_hash) VALUES (0, %s, 0, %s, %s, "
        f"%s)",
        (UUID(b), topic, state, forged),
    )
    report = verify(integrity)
    assert places(report) == {("inserted", b, 0), ("altered", b, 1)}
    assert (report.events, report.streams) == (10, 3)


def test_an_event_moved_far_ahead_in_the_log_is_named_where_the_tree_recorded_it(
    integrity: Integrity, insider: Insider, streams: list[str]
) -> None:
    c = streams[2]
    insider.set_notification_id(insider.event(c, 3)[0], 10**12)
    report = verify(integrity)
    assert places(report) == {("truncated", c, 3)}
    assert report.events == 9


@pytest.fixture
def interleaved(ledger: LedgerApplication, clock: ManualClock, integrity: Integrity) -> list[str]:
    """Three complaints whose events interleave in the log: A1 B1 C1 A2 B2 C2 A3 B3 C3.

    With pages of two, some events' predecessors are in the page read before theirs, and some
    two pages back, where verify asks the database for them.
    """
    ids = [
        ledger.register_complaint(
            channel="phone",
            customer_name=f"Customer {i}",
            summary="Parcel arrived broken",
            description="The parcel arrived crushed.",
            actor=AGENT,
        ).id
        for i in range(3)
    ]
    for complaint in ids:
        ledger.classify_complaint(complaint, category="complaint", priority="urgent", actor=AGENT)
    for complaint in ids:
        ledger.assign_complaint(complaint, actor=AGENT)
    integrity.checkpoint()
    return [str(complaint) for complaint in ids]


@pytest.fixture
def insider_of_interleaved(database_url: str, interleaved: list[str]) -> Iterator[Insider]:
    raw = Insider(database_url)
    yield raw
    raw.close()


def test_streams_interleaved_in_the_log_verify_clean(
    integrity: Integrity, interleaved: list[str]
) -> None:
    report = verify(integrity)
    assert report.intact, [b.describe() for b in report.breaks]
    assert (report.events, report.streams, report.leaves) == (9, 3, 9)


@pytest.mark.parametrize("version", [1, 2, 3])
def test_one_changed_byte_in_an_interleaved_stream_is_named(
    integrity: Integrity, insider_of_interleaved: Insider, interleaved: list[str], version: int
) -> None:
    insider, b = insider_of_interleaved, interleaved[1]
    _, _, state, _ = insider.event(b, version)
    insider.execute(
        f"UPDATE {insider.events} SET state = %s "
        f"WHERE originator_id = %s AND originator_version = %s",
        (bytes([state[0] ^ 0x01]) + state[1:], UUID(b), version),
    )
    assert places(verify(integrity)) == {("altered", b, version)}


def test_an_event_deleted_from_an_interleaved_stream_is_named(
    integrity: Integrity, insider_of_interleaved: Insider, interleaved: list[str]
) -> None:
    insider_of_interleaved.delete(interleaved[1], 2)
    assert places(verify(integrity)) == {("missing", interleaved[1], 2)}


def test_verifying_one_interleaved_stream_names_its_breaks_and_no_other_streams(
    integrity: Integrity, insider_of_interleaved: Insider, interleaved: list[str]
) -> None:
    a, b, _ = interleaved
    insider_of_interleaved.delete(a, 3)
    insider_of_interleaved.delete(b, 2)
    report = verify_ledger(
        integrity.tables, integrity.public_key, integrity.checkpoints(), stream=UUID(b)
    )
    assert places(report) == {("missing", b, 2)}
    assert (report.events, report.streams, report.leaves) == (2, 1, 3)


def test_an_altered_checkpoint_signature_is_named(
    integrity: Integrity, insider: Insider, streams: list[str]
) -> None:
    (row,) = insider.execute(f"SELECT signature FROM {insider.checkpoints}")
    signature = bytes(row[0])
    insider.execute(
        f"UPDATE {insider.checkpoints} SET signature = %s",
        (bytes([signature[0] ^ 0x80]) + signature[1:],),
    )
    report = verify(integrity)
    assert [(b.kind, b.checkpoint) for b in report.breaks] == [("bad signature", 1)]


def test_a_checkpoint_signed_by_another_key_is_named(
    integrity: Integrity, insider: Insider, streams: list[str]
) -> None:
    genuine = integrity.get_checkpoint(1)
    forged = sign(
        Ed25519PrivateKey.generate(),
        number=2,
        tree_size=genuine.tree_size,
        root_hash=genuine.root_hash,
        signed_at=genuine.signed_at,
    )
    insider.execute(
        f"INSERT INTO {insider.checkpoints} (number, tree_size, root_hash, signed_at, key_id, "
        f"signature, heads) VALUES (%s, %s, %s, %s, %s, %s, '{{}}')",
        (2, forged.tree_size, forged.root_hash, forged.signed_at, forged.key_id, forged.signature),
    )
    report = verify(integrity)
    assert [(b.kind, b.checkpoint) for b in report.breaks] == [("bad signature", 2)]


def test_an_event_rewritten_with_its_chain_hash_and_tree_leaf_is_caught_by_the_checkpoint(
    integrity: Integrity, insider: Insider, streams: list[str]
) -> None:
    """The thorough insider rewrites the event, its chain hash and the tree's copy of it."""
    c = streams[2]
    _, topic, state, _ = insider.event(c, 3)
    previous = insider.event(c, 2)[3]
    forged_state = state.replace(b"urgent", b"normal") if b"urgent" in state else state + b" "
    forged = chain_hash(UUID(c).bytes, 3, topic, forged_state, previous)
    insider.execute(
        f"UPDATE {insider.events} SET state = %s, chain_hash = %s "
        f"WHERE originator_id = %s AND originator_version = 3",
        (forged_state, forged, UUID(c)),
    )
    leaves = insider.checkpoints.replace("ledger_checkpoints", "ledger_merkle_leaves")
    insider.execute(
        f"UPDATE {leaves} SET chain_hash = %s WHERE originator_id = %s AND originator_version = 3",
        (forged, UUID(c)),
    )
    (found,) = verify(integrity).breaks
    assert (found.kind, found.checkpoint) == ("altered", 1)
    assert "differs from the signed root" in found.detail


def test_verification_up_to_a_checkpoint_covers_only_what_it_signed(
    ledger: LedgerApplication,
    clock: ManualClock,
    integrity: Integrity,
    database_url: str,
    streams: list[str],
) -> None:
    (later,) = register(ledger, clock)
    integrity.checkpoint()
    # Only now the insider drops the triggers (on PostgreSQL that stops the chaining trigger too).
    insider = Insider(database_url)
    insider.delete(later, 2)
    insider.close()
    signed = verify_ledger(
        integrity.tables, integrity.public_key, integrity.checkpoints(), up_to_checkpoint=1
    )
    assert signed.intact and signed.events == 9
    assert places(verify(integrity)) == {("missing", later, 2)}


def test_deleting_the_latest_checkpoint_with_what_it_covered_is_caught_by_a_kept_copy(
    ledger: LedgerApplication,
    clock: ManualClock,
    integrity: Integrity,
    database_url: str,
    streams: list[str],
) -> None:
    (later,) = register(ledger, clock)
    kept = integrity.checkpoint()
    insider = Insider(database_url)
    leaves = insider.checkpoints.replace("ledger_checkpoints", "ledger_merkle_leaves")
    insider.delete(later)
    insider.execute(f"DELETE FROM {leaves} WHERE position >= 9")
    insider.execute(f"DELETE FROM {insider.checkpoints} WHERE number = 2")
    insider.close()
    assert verify(integrity).intact  # the database alone no longer shows it
    report = verify_ledger(
        integrity.tables, integrity.public_key, integrity.checkpoints(), kept=[kept]
    )
    assert [(b.kind, b.checkpoint) for b in report.breaks] == [("missing", 2), ("truncated", 2)]
