"""The two ways out: a signed webhook POST and an e-mail over SMTP. Each returns the receiver's
answer (a status and a short text), which the ledger records as the attempt's outcome.

Webhooks follow Standard Webhooks: `webhook-id` is the notification id (the same on every
retry, so a receiver dedupes), `webhook-timestamp` the moment of this attempt by the wall clock
(the receiver's replay window is about real time, whatever clock schedules the retries), and
`webhook-signature` the HMAC the `standardwebhooks` package computes.
"""

import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage

from standardwebhooks.webhooks import Webhook

from projections.notifications.payloads import Message

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Answer:
    """A receiver's answer: delivered or not, its status (HTTP or SMTP; 0: no answer), text."""

    delivered: bool
    status: int
    text: str


def post_webhook(url: str, secret: str, message: Message, *, at: datetime | None = None) -> Answer:
    """POST the message to `url`, signed with `secret`; 2xx is delivered."""
    body = message.json()
    moment = at or datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": str(message.notification_id),
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(str(message.notification_id), moment, body),
    }
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return Answer(200 <= response.status < 300, response.status, response.reason or "")
    except urllib.error.HTTPError as error:
        return Answer(False, error.code, str(error.reason))
    except (OSError, ValueError) as error:
        return Answer(False, 0, type(error).__name__)


@dataclass(frozen=True)
class SmtpSettings:
    """Where mail goes: host, port, TLS mode (none, starttls, tls), credentials, sender."""

    host: str
    port: int = 25
    tls: str = "none"
    username: str = ""
    password: str = ""
    sender: str = "ledger@localhost"


def send_email(smtp: SmtpSettings, address: str, message: Message) -> Answer:
    """Send the message as plain text with an HTML alternative; the server's 250 is delivered."""
    mail = EmailMessage()
    mail["From"] = smtp.sender
    mail["To"] = address
    mail["Subject"] = message.subject()
    # The notification id, stable across retries, lets a mail client or a mailbox rule dedupe.
    mail["Message-ID"] = f"<{message.notification_id}@ledger>"
    mail["X-Ledger-Notification-Id"] = str(message.notification_id)
    mail.set_content(message.text())
    mail.add_alternative(message.html(), subtype="html")
    try:
        client: smtplib.SMTP = (
            smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
            if smtp.tls == "tls"
            else smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS)
        )
        with client:
            if smtp.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.username:
                client.login(smtp.username, smtp.password)
            refused = client.send_message(mail)
    except smtplib.SMTPResponseException as error:
        return Answer(False, error.smtp_code, _text(error.smtp_error))
    except smtplib.SMTPRecipientsRefused as error:
        code, text = next(iter(error.recipients.values()))
        return Answer(False, code, _text(text))
    except (OSError, smtplib.SMTPException) as error:
        return Answer(False, 0, type(error).__name__)
    if refused:
        code, text = next(iter(refused.values()))
        return Answer(False, code, _text(text))
    return Answer(True, 250, "accepted")


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
