"""Build the retention run from the settings, and its optional periodic job in the service."""

import logging
import threading
from dataclasses import replace
from datetime import timedelta

from api.config import Settings
from ledger.application.service import LedgerApplication
from ledger.audit.operation_log import OperationLog
from ledger.errors import PolicyError
from ledger.integrity.service import Integrity
from projections.retention.archive_tables import archive_tables_for
from projections.retention.rules import RetentionError, RetentionRules, load_retention
from projections.retention.run import RetentionRun

log = logging.getLogger(__name__)


def load_rules(settings: Settings) -> RetentionRules:
    """The retention rules, validated; a bad file stops the start with one line. The operation
    log's retention is the file's `operation_log.keep`, else LEDGER_OPLOG_RETENTION_DAYS."""
    try:
        rules = load_retention(settings.retention_file)
    except RetentionError as error:
        raise PolicyError(f"retention: {error}") from None
    if rules.operation_log is None:
        try:
            rules = replace(rules, operation_log=timedelta(days=settings.oplog_retention_days))
        except RetentionError as error:
            raise PolicyError(f"LEDGER_OPLOG_RETENTION_DAYS: {error}") from None
    return rules


def build_retention(
    ledger: LedgerApplication,
    integrity: Integrity,
    rules: RetentionRules,
    oplog: OperationLog | None = None,
) -> RetentionRun:
    archive = archive_tables_for(ledger.recorder.datastore)  # type: ignore[attr-defined]
    return RetentionRun(ledger, integrity, archive, rules, oplog=oplog)


class RetentionJob(threading.Thread):
    """Runs retention every `interval` seconds while the service runs (off by default)."""

    def __init__(self, retention: RetentionRun, interval: float) -> None:
        super().__init__(name="ledger-retention", daemon=True)
        self.retention = retention
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.retention.run()
            except Exception as error:  # try again next round; the database may be back
                log.error("retention run failed: %s", type(error).__name__)

    def stop(self) -> None:
        self.stopped.set()
