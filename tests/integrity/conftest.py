"""The tamper-evidence facility on the ledger under test, with a fixed signing key."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.service import Integrity
from ledger.integrity.tables import integrity_tables_for
from tests.conftest import TEST_SIGNING_SEED


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(TEST_SIGNING_SEED)


@pytest.fixture
def integrity(
    ledger: LedgerApplication, clock: ManualClock, signing_key: Ed25519PrivateKey
) -> Integrity:
    datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    tables = integrity_tables_for(datastore, ledger.recorder.events_table_name)  # type: ignore[attr-defined]
    return Integrity(tables, signing_key, clock)
