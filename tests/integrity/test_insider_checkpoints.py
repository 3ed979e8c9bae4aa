"""The insider suite, on the signed checkpoints: with the table's triggers disabled, an edited,
deleted, forged, reordered or cut-off checkpoint row is caught by plain `verify` and named by
its number. Each checkpoint is recorded as an event (ledger/integrity/checkpoint_records.py),
which is what shows a deleted tail."""

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.checkpoints import sign
from ledger.integrity.service import Integrity
from tests.integrity.helpers import register
from tests.integrity.insider import Place, Tamper, as_ledger_verify_runs, located
from tests.integrity.test_tampering import Insider

T = "ledger_checkpoints"


@pytest.fixture
def signed(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity, database_url: str
) -> Iterator[tuple[Integrity, Insider]]:
    """Three checkpoints over complaints registered between them; then the insider's hand."""
    as_ledger_verify_runs(integrity, ledger)
    for _ in range(3):
        register(ledger, clock, 1)
        integrity.checkpoint()
    insider = Insider(database_url)  # disables the checkpoint table's triggers
    yield integrity, insider
    insider.close()


def _forge(insider: Insider, integrity: Integrity) -> None:
    """A fourth checkpoint claiming the third's tree, signed by a key of the insider's own."""
    genuine = integrity.get_checkpoint(3)
    forged = sign(
        Ed25519PrivateKey.generate(),
        number=4,
        tree_size=genuine.tree_size,
        root_hash=genuine.root_hash,
        signed_at=genuine.signed_at,
    )
    insider.execute(
        f"INSERT INTO {insider.checkpoints} (number, tree_size, root_hash, signed_at, key_id, "
        "signature, heads) VALUES (4, %s, %s, %s, %s, %s, '{}')",
        (forged.tree_size, forged.root_hash, forged.signed_at, forged.key_id, forged.signature),
    )


def _swap(insider: Insider) -> None:
    for old, new in ((1, -1), (2, 1), (-1, 2)):
        insider.execute(
            f"UPDATE {insider.checkpoints} SET number = %s WHERE number = %s", (new, old)
        )


CHECKPOINTS: dict[str, tuple[Tamper, set[Place]]] = {
    "edit": (
        lambda i, _: i.execute(
            f"UPDATE {i.checkpoints} SET tree_size = tree_size - 1 WHERE number = 2"
        ),
        {("bad signature", T, "2"), ("altered", T, "2")},
    ),
    "delete": (
        lambda i, _: i.execute(f"DELETE FROM {i.checkpoints} WHERE number = 2"),
        {("missing", T, "2")},
    ),
    "reorder": (lambda i, _: _swap(i), {("bad signature", T, "1"), ("altered", T, "2")}),
    "truncate the tail": (
        lambda i, _: i.execute(f"DELETE FROM {i.checkpoints} WHERE number >= 2"),
        {("missing", T, "2"), ("missing", T, "3")},
    ),
}


def test_untouched_checkpoints_verify(signed: tuple[Integrity, Insider]) -> None:
    integrity, _ = signed
    report = integrity.verify()
    assert report.intact, [b.describe() for b in report.breaks]
    assert report.checkpoints == 3


def test_signing_again_with_nothing_new_but_the_last_record_adds_no_checkpoint(
    signed: tuple[Integrity, Insider],
) -> None:
    integrity, _ = signed
    assert integrity.checkpoint().number == 3


@pytest.mark.parametrize("tampering", sorted(CHECKPOINTS))
def test_an_insider_tampering_with_the_checkpoints_is_caught_and_located(
    signed: tuple[Integrity, Insider], tampering: str
) -> None:
    integrity, insider = signed
    tamper, expected = CHECKPOINTS[tampering]
    tamper(insider, "")
    report = integrity.verify()
    assert expected <= located(report), [b.describe() for b in report.breaks]


def test_an_insider_inserting_a_forged_checkpoint_is_caught_and_located(
    signed: tuple[Integrity, Insider],
) -> None:
    integrity, insider = signed
    _forge(insider, integrity)
    assert ("bad signature", T, "4") in located(integrity.verify())


def test_a_checkpoint_stored_without_its_record_is_recorded_by_the_next_signing(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity
) -> None:
    """A signer stopped between storing a checkpoint and recording it leaves no false break."""
    register(ledger, clock, 1)
    integrity.checkpoint()  # signed with nothing recording it
    as_ledger_verify_runs(integrity, ledger)
    assert integrity.checkpoint().number == 1
    assert integrity.verify().intact
