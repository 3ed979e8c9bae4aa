"""`ledger verify` as a process of its own, so that its peak RSS is its own.

    python -m tests.bench.verify_child   (LEDGER_DATABASE_URL, _MASTER_KEY, _SIGNING_KEY set)

Does what `ledger verify` does (api/cli/integrity.py: open the ledger and its integrity tables,
bring the tree up to date, verify everything) without importing the web stack, so that the
process starts fast, and prints one JSON object: events verified, seconds spent verifying
(start-up excluded), intact, and the peak RSS in MiB.
"""

import base64
import json
import os
import resource
import time
from pathlib import Path

from ledger.application.service import LedgerApplication
from ledger.clock import SystemClock
from ledger.integrity.service import Integrity
from ledger.integrity.signing_key import load_signing_key
from ledger.integrity.tables import integrity_tables_for
from ledger.integrity.verify import verify_ledger
from ledger.store.settings import settings_for_url
from privacy.keys.master_key import MasterKeyring, key_id_for


def main() -> None:
    key = base64.b64decode(os.environ["LEDGER_MASTER_KEY"])  # opens the ledger; nothing is read
    ledger = LedgerApplication(
        settings_for_url(os.environ["LEDGER_DATABASE_URL"]),
        keyring=MasterKeyring(key_id_for(key), {key_id_for(key): key}, "bench"),
        group_commit=False,
    )
    try:
        signing_key, _ = load_signing_key(os.environ, Path("."), generate_if_missing=False)
        recorder = ledger.recorder
        tables = integrity_tables_for(recorder.datastore, recorder.events_table_name)  # type: ignore[attr-defined]
        integrity = Integrity(tables, signing_key, SystemClock())
        integrity.update_tree()
        started = time.perf_counter()
        report = verify_ledger(integrity.tables, integrity.public_key, integrity.checkpoints())
        seconds = time.perf_counter() - started
    finally:
        ledger.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"events": report.events, "seconds": seconds, "intact": report.intact, "rss_mib": peak}
        )
    )


if __name__ == "__main__":
    main()
