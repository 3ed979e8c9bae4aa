"""The notifier killed with SIGKILL: nothing is lost, and nothing is ever sent under another id.

The notifier runs as a process of its own (tests/notifications/notifier_child.py, built from the
settings as the service builds it) against a real webhook receiver and a real SMTP server on
loopback. A notification is sent before its outcome is recorded, so a kill between the two sends
it again, under the same id: that is the one duplicate allowed, and the one receivers dedupe.
"""

import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.notifications.notice import notification_id_for
from ledger.notifications.subscriptions import Subscriptions, new_secret
from projections.engine.read_side import ReadSide
from projections.notifications.channels import SmtpSettings
from tests import forked
from tests.conftest import START, TEST_MASTER_KEY_B64
from tests.notifications.conftest import STAFF, WebhookReceiver, serve_webhook
from tests.projections.conftest import new_complaint

# Kills at random moments: 4 in the suite; LEDGER_NOTIFY_KILLS=20 for a longer run.
KILLS = int(os.environ.get("LEDGER_NOTIFY_KILLS", "4"))
WAIT = 60.0  # seconds: a generous bound on a child's start or a receiver's first request


class HoldingReceiver(WebhookReceiver):
    """A receiver that keeps (and verifies) the first delivery, then holds its answer back
    until the test lets go: the sender is killed having sent, before it hears the answer."""

    def __init__(self, secret: str) -> None:
        super().__init__(secret)
        self.arrived = threading.Event()
        self.release = threading.Event()

    def handle(self, body: bytes, headers: dict[str, str]) -> int:
        status = super().handle(body, headers)
        if not self.arrived.is_set():
            self.arrived.set()
            self.release.wait(WAIT)
        return status


class FirstRefusedReceiver(WebhookReceiver):
    """Refuses the first attempt at each notification (503), accepts every later one; sets
    `reached` once it has seen `target` requests."""

    def __init__(self, secret: str) -> None:
        super().__init__(secret)
        self.reached = threading.Event()
        self.target = 0

    def handle(self, body: bytes, headers: dict[str, str]) -> int:
        seen = {k.lower(): v for k, v in headers.items()}["webhook-id"] in self.attempt_ids
        status = super().handle(body, headers)
        if self.target and len(self.attempt_ids) >= self.target:
            self.reached.set()
        if not seen:
            self.received.pop()
            self.ids.pop()
            self.refused += 1
            return 503
        return status


def _start(database_url: str, data_dir: Path, smtp: SmtpSettings, at: datetime) -> forked.Forked:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(
        LEDGER_DATABASE_URL=f"{database_url}&pool_size=2&max_overflow=2",
        LEDGER_DATA_DIR=str(data_dir),
        LEDGER_MASTER_KEY=TEST_MASTER_KEY_B64,
        LEDGER_SMTP_HOST=smtp.host,
        LEDGER_SMTP_PORT=str(smtp.port),
    )
    log = (data_dir / "notifier.log").open("a")
    process = forked.popen(
        [sys.executable, "-m", "tests.notifications.notifier_child", at.isoformat(), "600"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    log.close()
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        _kill(process)
        pytest.fail(f"the notifier did not start: {(data_dir / 'notifier.log').read_text()[-500:]}")
    return process


def _kill(process: forked.Forked) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _run_to_the_end(database_url: str, data_dir: Path, smtp: SmtpSettings, at: datetime) -> None:
    process = _start(database_url, data_dir, smtp, at)
    assert process.stdout is not None
    out, _ = process.communicate(timeout=300)
    assert process.returncode == 0 and out.strip() == "done", (
        data_dir / "notifier.log"
    ).read_text()


def _subscribe(subscriptions: Subscriptions, receiver: WebhookReceiver, *kinds: str) -> UUID:
    return subscriptions.add(
        url=receiver.url, secret=receiver.secret, kinds=kinds, departments=(), at=START, by="admin"
    ).subscription_id


def _breaches(ledger: LedgerApplication, clock: ManualClock, read_side: ReadSide, n: int) -> None:
    for _ in range(n):
        new_complaint(ledger, priority="urgent")
    clock.advance(timedelta(hours=2, minutes=1))
    read_side.catch_up()
    read_side.escalate_overdue()


def _notice_events(ledger: LedgerApplication) -> list[Any]:
    return [
        ledger.mapper.to_domain_event(n)
        for n in ledger.recorder.select_notifications(start=1, limit=100_000)
        if ".notice:Notice." in n.topic
    ]


def _delivered(ledger: LedgerApplication) -> Counter[str]:
    """How many times the ledger records each notification delivered."""
    return Counter(
        str(e.notification_id) for e in _notice_events(ledger) if type(e).__name__ == "Delivered"
    )


@pytest.fixture
def serve_receiver() -> Any:
    servers = []

    def serve(receiver: WebhookReceiver) -> WebhookReceiver:
        servers.append(serve_webhook(receiver))
        return receiver

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_notifier_killed_between_sending_and_recording_sends_again_under_the_same_id(
    ledger: LedgerApplication,
    clock: ManualClock,
    read_side: ReadSide,
    directory: Any,
    subscriptions: Subscriptions,
    smtp: tuple[SmtpSettings, Any],
    serve_receiver: Any,
    database_url: str,
    tmp_path: Path,
) -> None:
    receiver = serve_receiver(HoldingReceiver(new_secret()))
    _subscribe(subscriptions, receiver, "sla_breached")
    _breaches(ledger, clock, read_side, 1)
    child = _start(database_url, tmp_path, smtp[0], clock.now())
    try:
        assert receiver.arrived.wait(WAIT)
    finally:
        _kill(child)  # the receiver has the notification; the notifier never heard its answer
        receiver.release.set()
    [held] = receiver.ids
    assert held not in _delivered(ledger)  # its outcome was never recorded
    _run_to_the_end(database_url, tmp_path, smtp[0], clock.now())
    assert receiver.ids == [held, held]  # sent again, under the same id
    assert receiver.received[0] == receiver.received[1]
    assert _delivered(ledger)[held] == 1


def test_a_notifier_killed_at_random_loses_nothing_and_never_sends_under_another_id(
    ledger: LedgerApplication,
    clock: ManualClock,
    read_side: ReadSide,
    directory: Any,
    subscriptions: Subscriptions,
    smtp: tuple[SmtpSettings, Any],
    serve_receiver: Any,
    database_url: str,
    tmp_path: Path,
) -> None:
    receiver = serve_receiver(FirstRefusedReceiver(new_secret()))
    _subscribe(subscriptions, receiver)
    _breaches(ledger, clock, read_side, 6)
    # Past the unacknowledged-escalation limit too: those notices are raised by the notifier.
    at = clock.now() + timedelta(hours=3)
    rng = random.Random(19)
    for round_ in range(KILLS):
        # Even rounds: a kill soon after the start (raising notices, or the first sends);
        # odd rounds: one just after the receiver has seen a few more requests (mid-delivery).
        receiver.reached.clear()
        receiver.target = len(receiver.attempt_ids) + rng.randint(1, 4) if round_ % 2 else 0
        child = _start(database_url, tmp_path, smtp[0], at + timedelta(hours=round_))
        if receiver.target:
            while not receiver.reached.wait(0.01) and child.poll() is None:
                pass
        else:
            threading.Event().wait(rng.uniform(0.0, 0.3))
        _kill(child)
    receiver.target = 0
    cut_short = sum(_delivered(ledger).values())
    _run_to_the_end(database_url, tmp_path, smtp[0], at + timedelta(hours=KILLS))

    events = _notice_events(ledger)
    raised = [e for e in events if type(e).__name__ == "Raised"]
    expected = {
        str(notification_id_for(e.originator_id, r)): (e.originator_id, r)
        for e in raised
        for r in e.recipients
    }
    kinds = Counter(e.rule for e in raised)
    assert kinds == {"sla_breached": 6, "escalation_raised": 6, "escalation_unacknowledged": 6}
    assert len({(e.source, e.rule) for e in raised}) == len(raised)  # each fact told once
    # Nothing lost: every notification is recorded delivered, once.
    assert _delivered(ledger) == Counter(dict.fromkeys(expected, 1))
    assert cut_short < len(expected)  # the kills did land while there was work to do
    hooks = {i for i, (_, r) in expected.items() if r.startswith("webhook:")}
    assert set(receiver.ids) == hooks
    # Never under another id: each delivery's id is the one its notice and recipient make.
    for payload, webhook_id in zip(receiver.received, receiver.ids, strict=True):
        data = payload["data"]
        assert data["notification_id"] == webhook_id
        assert expected[webhook_id] == (UUID(data["notice_id"]), data["recipient"])
    mails = smtp[1].messages
    emails = {f"staff:{m.staff_id}": m.email for m in STAFF}
    assert {m["X-Ledger-Notification-Id"] for m in mails} == set(expected) - hooks
    for mail in mails:
        notification_id = mail["X-Ledger-Notification-Id"]
        assert mail["Message-ID"] == f"<{notification_id}@ledger>"
        assert mail["X-Envelope-To"] == emails[expected[notification_id][1]]
