"""Checkpoints sign the tree over the whole log; proofs from the store verify offline."""

from datetime import timedelta
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.errors import DomainError, NotFoundError
from ledger.integrity import merkle
from ledger.integrity.checkpoints import ProofError, checkpoint_from_document, signature_is_valid
from ledger.integrity.proof_check import check_proof
from ledger.integrity.service import Integrity
from ledger.integrity.verify import verify_ledger
from tests.integrity.helpers import register


def test_a_checkpoint_signs_the_root_of_every_event_in_log_order(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity
) -> None:
    register(ledger, clock, 3)
    checkpoint = integrity.checkpoint()
    chain_hashes = [row[5] for row in integrity.tables.events_after(0, limit=100)]
    assert checkpoint.tree_size == len(chain_hashes) == 9
    assert checkpoint.root_hash == merkle.root(chain_hashes)  # type: ignore[arg-type]
    assert signature_is_valid(checkpoint, integrity.public_key)


def test_a_checkpoint_is_not_repeated_while_the_log_has_not_grown(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity
) -> None:
    register(ledger, clock)
    first = integrity.checkpoint()
    assert integrity.checkpoint() == first
    register(ledger, clock)
    assert integrity.checkpoint().number == first.number + 1


def test_an_inclusion_proof_for_every_event_verifies_offline(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity
) -> None:
    ids = register(ledger, clock, 3)
    checkpoint = integrity.checkpoint()
    for stream in ids:
        for version in (1, 2, 3):
            proof = integrity.inclusion_proof(stream_id=UUID(stream), version=version)
            assert check_proof(proof, [checkpoint], integrity.public_key).startswith("OK")


def test_an_inclusion_proof_can_name_the_event_by_notification_id(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity
) -> None:
    register(ledger, clock, 2)
    checkpoint = integrity.checkpoint()
    first = integrity.tables.events_after(0, limit=1)[0][0]
    proof = integrity.inclusion_proof(notification_id=first)
    assert proof["leaf_index"] == 0
    assert check_proof(proof, [checkpoint], integrity.public_key).startswith("OK")


def test_an_inclusion_proof_with_a_changed_event_does_not_verify(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity
) -> None:
    (stream,) = register(ledger, clock)
    checkpoint = integrity.checkpoint()
    proof = integrity.inclusion_proof(stream_id=UUID(stream), version=2)
    proof["event"]["topic"] = "ledger.cases.complaint:Complaint.Forged"
    with pytest.raises(ProofError, match="do not hash"):
        check_proof(proof, [checkpoint], integrity.public_key)


def test_an_event_after_the_latest_checkpoint_has_no_proof_yet(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity
) -> None:
    register(ledger, clock)
    integrity.checkpoint()
    (later,) = register(ledger, clock)
    integrity.update_tree()
    with pytest.raises(DomainError, match="wait for the next checkpoint"):
        integrity.inclusion_proof(stream_id=UUID(later), version=1)


def test_an_unknown_event_has_no_proof(integrity: Integrity) -> None:
    with pytest.raises(NotFoundError):
        integrity.inclusion_proof(notification_id=12345)


def test_a_consistency_proof_between_two_checkpoints_verifies_offline(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity
) -> None:
    register(ledger, clock, 2)
    first = integrity.checkpoint()
    clock.advance(timedelta(hours=1))
    register(ledger, clock, 3)
    second = integrity.checkpoint()
    proof = integrity.consistency_proof(first=first.number, second=second.number)
    assert check_proof(proof, [first], integrity.public_key).startswith("OK")
    assert checkpoint_from_document(proof["second"]) == second


def test_a_consistency_proof_against_a_rewritten_history_does_not_verify(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity
) -> None:
    register(ledger, clock, 2)
    first = integrity.checkpoint()
    register(ledger, clock, 3)
    integrity.checkpoint()
    proof = integrity.consistency_proof(first=first.number)
    proof["proof"][0] = "00" * 32
    with pytest.raises(ProofError, match="does NOT extend"):
        check_proof(proof, [first], integrity.public_key)


def test_an_untouched_ledger_verifies_with_its_counts(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity
) -> None:
    register(ledger, clock, 4)
    integrity.checkpoint()
    register(ledger, clock, 1)
    integrity.checkpoint()
    report = verify_ledger(integrity.tables, integrity.public_key, integrity.checkpoints())
    assert report.breaks == []
    assert (report.events, report.streams, report.leaves, report.checkpoints) == (15, 5, 15, 2)


def test_the_periodic_job_signs_a_checkpoint_once_events_arrive(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity
) -> None:
    import time

    from api.wiring.integrity import CheckpointJob

    register(ledger, clock)
    job = CheckpointJob(integrity, 0.01)
    job.start()
    try:
        deadline = time.monotonic() + 30
        while not integrity.checkpoints() and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        job.stop()
        job.join()
    assert integrity.get_checkpoint().tree_size == 3


def test_an_extra_head_is_signed_into_the_checkpoint_and_its_document(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity
) -> None:
    from dataclasses import replace

    from ledger.integrity.checkpoints import checkpoint_document

    register(ledger, clock)
    integrity.head_providers.append(lambda: ("operation-log", "ab" * 32))
    checkpoint = integrity.checkpoint()
    assert checkpoint_document(checkpoint)["heads"] == {"operation-log": "ab" * 32}
    assert integrity.get_checkpoint(checkpoint.number) == checkpoint
    assert signature_is_valid(checkpoint, integrity.public_key)
    forged = replace(checkpoint, heads={"operation-log": "cd" * 32})
    assert not signature_is_valid(forged, integrity.public_key)


def test_two_processes_extending_the_tree_at_once_add_each_event_exactly_once(
    ledger: LedgerApplication,
    clock: ManualClock,
    integrity: Integrity,
    signing_key: Ed25519PrivateKey,
) -> None:
    import threading

    from ledger.integrity.tables import integrity_tables_for

    register(ledger, clock, 4)
    datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    other = Integrity(
        integrity_tables_for(datastore, ledger.recorder.events_table_name),  # type: ignore[attr-defined]
        signing_key,
        clock,
    )
    barrier = threading.Barrier(2)

    def extend(service: Integrity) -> None:
        barrier.wait()
        service.update_tree()

    threads = [threading.Thread(target=extend, args=(s,)) for s in (integrity, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    chain_hashes = [row[5] for row in integrity.tables.events_after(0, limit=100)]
    assert integrity.checkpoint().root_hash == merkle.root(chain_hashes)  # type: ignore[arg-type]
    assert verify_ledger(integrity.tables, integrity.public_key, integrity.checkpoints()).intact
