"""What a notification says: ids, kinds, deadlines and links, never personal data.

The same content goes out as a webhook's JSON body and as an e-mail's text and HTML (Jinja2
templates beside this module). A notice carries no customer data at all (its facts are ids,
levels and clock names), so nothing here can leak one; the tests check the bodies regardless.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ledger.notifications.notice import Notice

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    keep_trailing_newline=True,
)
_PATHS = {"complaint": "/v1/complaints/{}", "incident": "/v1/incidents/{}"}


@dataclass(frozen=True)
class Message:
    """One notification, ready for any channel."""

    notification_id: UUID
    kind: str
    body: dict[str, Any]

    def json(self) -> str:
        return json.dumps(self.body, sort_keys=True, separators=(",", ":"))

    def subject(self) -> str:
        record = self.body["data"]["record"]
        return f"[ledger] {self.kind.replace('_', ' ')}: {record['reference']}"

    def text(self) -> str:
        return _TEMPLATES.get_template("notification.txt").render(**self.body["data"])

    def html(self) -> str:
        return _TEMPLATES.get_template("notification.html").render(**self.body["data"])


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def message_for(notice: Notice, recipient: str, *, base_url: str) -> Message:
    """The notification of `notice` for `recipient` (its id derived from both)."""
    notification_id = notice.notification_id(recipient)
    path = _PATHS.get(notice.record_kind, "/v1/records/{}").format(notice.record_id)
    body = {
        "type": f"ledger.{notice.rule}",
        "timestamp": _iso(notice.raised_at),
        "data": {
            "notification_id": str(notification_id),
            "notice_id": str(notice.id),
            "kind": notice.rule,
            "recipient": recipient,
            "record": {
                "kind": notice.record_kind,
                "id": str(notice.record_id),
                "reference": notice.reference,
                "link": base_url.rstrip("/") + path,
            },
            "department": notice.department,
            "due": _iso(notice.due),
            "facts": dict(sorted(notice.facts.items())),
            "raised_at": _iso(notice.raised_at),
        },
    }
    return Message(notification_id, notice.rule, body)
