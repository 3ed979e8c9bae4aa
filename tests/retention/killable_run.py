"""A retention run in a process of its own, so that a test can SIGKILL it halfway.

python -m tests.retention.killable_run DATABASE_URL NOW_ISO BATCH
"""

import sys
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import projections.retention.run
from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.service import Integrity
from ledger.integrity.tables import integrity_tables_for
from ledger.store.settings import settings_for_url
from privacy.keys.master_key import MasterKeyring, key_id_for
from projections.retention.archive_tables import archive_tables_for
from projections.retention.rules import RetentionRules
from projections.retention.run import RetentionRun
from tests.conftest import TEST_MASTER_KEY, TEST_SIGNING_SEED


def main(url: str, now: str, batch: int) -> None:
    projections.retention.run.BATCH = batch  # small batches: many commits to be killed between
    key_id = key_id_for(TEST_MASTER_KEY)
    keyring = MasterKeyring(current_id=key_id, keys={key_id: TEST_MASTER_KEY}, source="tests")
    clock = ManualClock(datetime.fromisoformat(now))
    ledger = LedgerApplication(settings_for_url(url), keyring=keyring, clock=clock)
    datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    tables = integrity_tables_for(datastore, ledger.recorder.events_table_name)  # type: ignore[attr-defined]
    integrity = Integrity(tables, Ed25519PrivateKey.from_private_bytes(TEST_SIGNING_SEED), clock)
    run = RetentionRun(ledger, integrity, archive_tables_for(datastore), RetentionRules())
    report = run.run()
    print(len(report.archived), len(report.destroyed), flush=True)
    ledger.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
