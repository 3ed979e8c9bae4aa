"""The operation log in the ledger's database, built from the settings (service and CLI)."""

from datetime import timedelta

from api.config import Settings
from ledger.application.service import LedgerApplication
from ledger.audit.operation_log import OperationLog, OperationLogError
from ledger.errors import PolicyError


def operation_log(ledger: LedgerApplication, settings: Settings) -> OperationLog:
    """The operation log in the ledger's database; a retention below the floor stops the start."""
    try:
        return OperationLog(
            ledger.recorder.datastore,  # type: ignore[attr-defined]
            retention=timedelta(days=settings.oplog_retention_days),
            access_log=ledger.access_log,
        )
    except OperationLogError as error:
        raise PolicyError(f"LEDGER_OPLOG_RETENTION_DAYS: {error}") from None
