"""Real receivers on loopback: a webhook endpoint that verifies Standard Webhooks signatures,
and an aiosmtpd SMTP server; the staff directory and the notifier on the ledger under test."""

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import Webhook

from ledger.application.service import LedgerApplication
from ledger.notifications.subscriptions import Subscriptions, new_secret
from ledger.staff.directory import StaffDirectory, StaffMember
from privacy.keys.master_key import MasterKeyring
from projections.engine.read_side import ReadSide
from projections.notifications.channels import SmtpSettings
from projections.notifications.notifier import DeliverySettings, Notifier
from projections.notifications.outbox import OutboxProjection


@dataclass
class WebhookReceiver:
    """Verifies each POST with standardwebhooks; answers `fail_next` times with 503 first."""

    secret: str
    received: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # of the deliveries accepted
    attempt_ids: list[str] = field(default_factory=list)  # of every POST, refused ones too
    refused: int = 0
    fail_next: int = 0
    url: str = ""

    def handle(self, body: bytes, headers: dict[str, str]) -> int:
        headers = {k.lower(): v for k, v in headers.items()}
        self.attempt_ids.append(headers["webhook-id"])
        if self.fail_next > 0:
            self.fail_next -= 1
            self.refused += 1
            return 503
        payload = Webhook(self.secret).verify(body, headers)  # raises on a bad signature
        self.received.append(payload)
        self.ids.append(headers["webhook-id"])
        return 204


def serve_webhook(receiver: WebhookReceiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            try:
                status = receiver.handle(body, dict(self.headers.items()))
            except Exception:
                status = 400
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    return server


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(new_secret())
    server = serve_webhook(receiver)
    yield receiver
    server.shutdown()
    server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content or envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpSettings, _Mailbox]]:
    mailbox = _Mailbox()
    with socket.socket() as probe:  # aiosmtpd checks its own start by connecting: a real port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpSettings(host="127.0.0.1", port=controller.port, sender="ledger@test"), mailbox
    controller.stop()


STAFF = (
    StaffMember("agent-7", "Agent Seven", "agent7@staff.test", "service", "agent", "sup-1"),
    StaffMember("sup-1", "Supervisor One", "sup1@staff.test", "service", "supervisor", "mgr-1"),
    StaffMember("mgr-1", "Manager One", "mgr1@staff.test", "service", "manager", "exec-1"),
    StaffMember("exec-1", "Executive One", "exec1@staff.test", None, "executive"),
    StaffMember("tech-3", "Tech Three", "tech3@staff.test", "technical", "department_staff"),
    StaffMember("im-1", "Incident Manager", "im1@staff.test", None, "incident_manager"),
)


@pytest.fixture
def directory(ledger: LedgerApplication) -> StaffDirectory:
    found = ledger.staff
    for member in STAFF:
        found.put(replace(member, reports_to=None))
    for member in STAFF:  # the reporting lines, once everyone exists
        found.put(member)
    return found


@pytest.fixture
def subscriptions(ledger: LedgerApplication, keyring: MasterKeyring) -> Subscriptions:
    return Subscriptions(ledger.recorder.datastore, keyring)  # type: ignore[attr-defined]


@pytest.fixture
def read_side(ledger: LedgerApplication) -> ReadSide:
    return ReadSide(ledger)


@pytest.fixture
def notifier(
    read_side: ReadSide,
    directory: StaffDirectory,
    subscriptions: Subscriptions,
    smtp: tuple[SmtpSettings, _Mailbox],
) -> Notifier:
    settings = DeliverySettings(max_attempts=3, first_retry=timedelta(minutes=1), smtp=smtp[0])
    outbox = OutboxProjection(read_side.app.policy)
    return Notifier(read_side.app, read_side.db, outbox, directory, subscriptions, settings)
