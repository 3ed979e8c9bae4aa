"""Fixtures of the integration tests that more than one module uses."""

from collections.abc import Iterator

import pytest

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.store.settings import settings_for_url
from privacy.keys.master_key import MasterKeyring


@pytest.fixture
def one_connection_ledger(
    postgres_schema_url: str, clock: ManualClock, keyring: MasterKeyring
) -> Iterator[LedgerApplication]:
    """A ledger whose pool holds exactly one connection, so the test knows which one it gets."""
    url = f"{postgres_schema_url}&pool_size=1&max_overflow=0"
    app = LedgerApplication(settings_for_url(url), keyring=keyring, clock=clock)
    yield app
    app.close()
