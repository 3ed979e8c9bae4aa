"""Build the ledger's tamper-evidence facility from the settings, and its periodic checkpoints."""

import logging
import threading

from api.config import Settings
from ledger.application import LedgerApplication
from ledger.integrity.service import Integrity
from ledger.integrity.signing_key import load_signing_key
from ledger.store.integrity_tables import integrity_tables_for

log = logging.getLogger(__name__)


def build_integrity(settings: Settings, ledger: LedgerApplication) -> Integrity:
    """Checkpoints and proofs for `ledger`, signed with the configured (or generated) key."""
    key, warning = load_signing_key(
        settings.signing_key_settings, settings.data_dir, generate_if_missing=settings.embedded
    )
    if warning:
        log.warning(warning)
    recorder = ledger.recorder
    tables = integrity_tables_for(recorder.datastore, recorder.events_table_name)  # type: ignore[attr-defined]
    return Integrity(tables, key, ledger.clock)


class CheckpointJob(threading.Thread):
    """Signs a checkpoint every `interval` seconds while the service runs (when the log grew)."""

    def __init__(self, integrity: Integrity, interval: float) -> None:
        super().__init__(name="ledger-checkpoints", daemon=True)
        self.integrity = integrity
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                checkpoint = self.integrity.checkpoint()
                log.info("checkpoint %d: tree size %d", checkpoint.number, checkpoint.tree_size)
            except Exception as error:  # keep signing on the next round; the database may be back
                log.error("checkpoint failed: %s", type(error).__name__)

    def stop(self) -> None:
        self.stopped.set()
