"""Build the ledger's tamper-evidence facility from the settings, and its periodic checkpoints."""

import logging
import threading

from api.config import Settings
from api.wiring.audit import operation_log
from ledger.application.service import LedgerApplication
from ledger.audit.operation_log import Head, OperationLog
from ledger.integrity.audit_checks import ANCHOR as OPERATION_LOG_ANCHOR
from ledger.integrity.audit_checks import HEAD as OPERATION_LOG_HEAD
from ledger.integrity.beside import check_beside
from ledger.integrity.service import Integrity
from ledger.integrity.signing_key import load_signing_key
from ledger.integrity.tables import integrity_tables_for
from projections.retention.archive_seal import archive_check
from projections.retention.archive_tables import archive_tables_for
from projections.retention.destruction_check import destruction_check

log = logging.getLogger(__name__)


def build_integrity(
    settings: Settings, ledger: LedgerApplication, oplog: OperationLog | None = None
) -> Integrity:
    """Checkpoints and proofs for `ledger`, signed with the configured (or generated) key."""
    key, warning = load_signing_key(
        settings.signing_key_settings, settings.data_dir, generate_if_missing=settings.embedded
    )
    if warning:
        log.warning(warning)
    recorder = ledger.recorder
    tables = integrity_tables_for(recorder.datastore, recorder.events_table_name)  # type: ignore[attr-defined]
    integrity = Integrity(
        tables,
        key,
        ledger.clock,
        origin=settings.log_origin or None,
        witnesses=settings.witness_keys,
    )
    # The operation log is chained on its own; signing its head into every checkpoint makes the
    # record of who looked as provable as the ledger (checked by plain `ledger verify`).
    sign_operation_log(integrity, oplog or operation_log(ledger, settings))
    # The archive's rows are sealed by events in the tree: verify compares them.
    archive = archive_tables_for(recorder.datastore)  # type: ignore[attr-defined]
    integrity.checks.append(archive_check(ledger, tables, archive))
    # ...and its destruction rows by the confirmations in the ledger (a row alone proves nothing).
    integrity.checks.append(destruction_check(ledger, tables, archive))
    # The checkpoints recorded as events, the token rows, the data keys (ledger/integrity/beside).
    check_beside(integrity, ledger)
    return integrity


def sign_operation_log(integrity: Integrity, oplog: OperationLog) -> None:
    """Put the operation log's head, and its anchor once purged, into every checkpoint."""
    integrity.head_providers.append(lambda: (OPERATION_LOG_HEAD, _head_text(oplog.head())))
    # Once retention has purged its oldest rows, the chain is verified from the purge's anchor:
    # signing the anchor too means a forged purge row would not match any checkpoint.
    integrity.head_providers.append(lambda: (OPERATION_LOG_ANCHOR, _anchor_text(oplog.anchor())))
    # ...and plain `ledger verify` checks the log against every head signed.
    integrity.audit = oplog


def _anchor_text(anchor: Head | None) -> str:
    """COUNT:HASH of the last purged row; empty (left out of checkpoints) before any purge."""
    return "" if anchor is None else _head_text(anchor)


def _head_text(head: Head) -> str:
    """COUNT:HASH, the form `ledger oplog verify --expect` takes."""
    return f"{head.count}:{head.hash}"


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
