"""Several processes opening one PostgreSQL ledger at once: the service, its workers, the CLI."""

import threading

import pytest

from ledger.application.service import LedgerApplication
from ledger.audit.operation_log import OperationLog
from ledger.store.settings import settings_for_url
from privacy.keys.master_key import MasterKeyring


def open_and_close(url: str, keyring: MasterKeyring) -> None:
    app = LedgerApplication(settings_for_url(url), keyring=keyring)
    try:
        OperationLog(app.recorder.datastore)  # type: ignore[attr-defined]
    finally:
        app.close()


@pytest.mark.postgres
def test_openers_starting_together_on_an_existing_schema_all_succeed(
    postgres_schema_url: str, keyring: MasterKeyring
) -> None:
    open_and_close(postgres_schema_url, keyring)
    failures: list[BaseException] = []

    def opener() -> None:
        try:
            open_and_close(postgres_schema_url, keyring)
        except BaseException as error:  # every failure is the finding
            failures.append(error)

    for _ in range(3):
        threads = [threading.Thread(target=opener) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
