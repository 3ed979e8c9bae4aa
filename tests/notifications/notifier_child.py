"""The notifier as a process of its own, for the tests that kill it with SIGKILL.

    python -m tests.notifications.notifier_child START STEP_SECONDS
    (LEDGER_DATABASE_URL, LEDGER_MASTER_KEY, LEDGER_DATA_DIR, LEDGER_SMTP_HOST/_PORT set)

Builds the ledger and the notifier from the settings as the service does (api/wiring), on a
manual clock starting at START (ISO 8601) and moved STEP_SECONDS after each tick, so that retries
fall due. Prints `ready` once built, then ticks until nothing is waiting to be raised or
delivered, prints `done` and exits. The tests kill it wherever it is.
"""

import sys
from datetime import datetime, timedelta

from api.config import Settings
from api.wiring.ledger import build_ledger
from api.wiring.notifications import build_notifications
from ledger.clock import ManualClock
from projections.engine.read_side import ReadSide
from projections.notifications.queries import due_notifications, waiting_notices

FAR = timedelta(days=3650)


def main() -> None:
    clock = ManualClock(datetime.fromisoformat(sys.argv[1]))
    step = timedelta(seconds=float(sys.argv[2]))
    settings = Settings.from_env()
    ledger = build_ledger(settings, clock=clock)
    try:
        notifier = build_notifications(settings, ledger, ReadSide(ledger)).notifier
        print("ready", flush=True)
        while True:
            notifier.run_once()
            generation = notifier.db.ensure(notifier.outbox.name, notifier.outbox.tables)
            left = due_notifications(notifier.db, generation, clock.now() + FAR, 1)
            if not left and not waiting_notices(notifier.db, generation, 1):
                break
            clock.advance(step)
        print("done", flush=True)
    finally:
        ledger.close()


if __name__ == "__main__":
    main()
