"""A ledger whose store cannot be opened closes what it had opened before the error leaves.

Left to the garbage collector, the half-built application's pool was closed on whichever thread
ran the collection, at times one of the pool's own, which cannot join itself.
"""

import threading
from urllib.parse import urlsplit

import pytest
from eventsourcing.persistence import PersistenceError

from ledger.application.service import LedgerApplication
from ledger.store.settings import settings_for_url
from privacy.keys.master_key import MasterKeyring
from tests.conftest import POSTGRES_URL, require_postgres


def test_a_ledger_that_cannot_connect_leaves_no_pool_threads_running(
    keyring: MasterKeyring,
) -> None:
    require_postgres()
    server = urlsplit(POSTGRES_URL)
    settings = settings_for_url(
        f"postgresql://no_such_role@{server.hostname}:{server.port or 5432}/postgres"
    )
    settings["POSTGRES_CONNECT_TIMEOUT"] = "1"
    before = set(threading.enumerate())
    # The error's traceback keeps the half-built application alive, as a caller's handler does.
    with pytest.raises(PersistenceError) as caught:
        LedgerApplication(settings, keyring=keyring)
    assert [t.name for t in set(threading.enumerate()) - before if t.is_alive()] == []
    assert caught.value.__traceback__ is not None
