"""Build the staff directory, the webhook subscriptions and the notifier from the settings, and
the notifier's background job (one process delivers: `api.background`)."""

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from api.config import Settings
from ledger.application.service import LedgerApplication
from ledger.notifications.subscriptions import Subscriptions
from ledger.staff.directory import StaffDirectory
from projections.engine.read_side import ReadSide
from projections.notifications.channels import SmtpSettings
from projections.notifications.notifier import DeliverySettings, Notifier
from projections.notifications.outbox import OutboxProjection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notifications:
    directory: StaffDirectory
    subscriptions: Subscriptions
    notifier: Notifier


def build_notifications(
    settings: Settings, ledger: LedgerApplication, read_side: ReadSide
) -> Notifications:
    datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    directory = ledger.staff  # the one the commands check named people against
    subscriptions = Subscriptions(datastore, ledger.keys.keyring)
    smtp = (
        SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            tls=settings.smtp_tls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            sender=settings.smtp_sender,
        )
        if settings.smtp_host
        else None
    )
    delivery = DeliverySettings(
        max_attempts=settings.notify_max_attempts,
        first_retry=timedelta(seconds=settings.notify_first_retry),
        base_url=settings.public_url,
        smtp=smtp,
    )
    outbox = OutboxProjection(ledger.policy)  # the read side's outbox: same name, same tables
    notifier = Notifier(ledger, read_side.db, outbox, directory, subscriptions, delivery)
    return Notifications(directory, subscriptions, notifier)


class NotifierJob(threading.Thread):
    """Runs the notifier every `interval` seconds while the service runs."""

    def __init__(self, notifier: Notifier, interval: float) -> None:
        super().__init__(name="ledger-notifier", daemon=True)
        self.notifier = notifier
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.notifier.run_once()
            except Exception as error:  # try again next round; the database may be back
                log.error("notifier tick failed: %s", type(error).__name__)

    def stop(self) -> None:
        self.stopped.set()
        self.join(self.interval + 30)
