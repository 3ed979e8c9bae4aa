"""The facts of an event as the exporter's role may see them, and whose values that revealed.

Personal values are revealed through the key store and then shown full, masked or not at all
(the role's visibility, ledger/access/policy.py); an erased person's read as `[erased]`.
"""

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from privacy.fields import ERASED, TAMPERED, Personal
from privacy.masking import MASKERS, Visibility

_HEADER = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}


class Shown:
    """Renders events for one exporter, noting every person whose field it showed."""

    def __init__(self, visibility: Visibility, reveal: Callable[[Personal], str]) -> None:
        self.visibility = visibility
        self._reveal = reveal
        self.revealed: dict[UUID, set[str]] = {}

    def event(self, event: Any) -> dict[str, Any]:
        """`{event, at, actor, data}` of a domain event."""
        actor = getattr(event, "actor", None)
        return {
            "event": type(event).__name__,
            "at": event.timestamp.isoformat(),
            "actor": self.plain(actor) if actor is not None else None,
            "data": {
                k: self.plain(v, k) for k, v in sorted(event.__dict__.items()) if k not in _HEADER
            },
        }

    def plain(self, value: Any, key: str = "") -> Any:
        """A JSON value; a personal one as the role may see it."""
        if isinstance(value, Personal):
            return self.personal(value, key)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {
                f.name: self.plain(getattr(value, f.name), f.name)
                for f in dataclasses.fields(value)
            }
        if isinstance(value, dict):
            return {str(k): self.plain(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.plain(v, key) for v in value]
        if isinstance(value, UUID):
            return str(value)
        if isinstance(value, datetime):
            return value.isoformat()
        return value

    def personal(self, value: Personal, key: str) -> str | None:
        if self.visibility == "none":
            return None
        text = self._reveal(value)
        self.revealed.setdefault(value.subject_id, set()).add(key)
        if self.visibility == "masked" and text not in (ERASED, TAMPERED):
            return MASKERS.get(key, MASKERS["text"])(text)
        return text

    def revealed_list(self) -> list[dict[str, Any]]:
        return [
            {"subject_id": str(subject), "fields": sorted(fields), "shown": self.visibility}
            for subject, fields in sorted(self.revealed.items(), key=lambda item: str(item[0]))
        ]
