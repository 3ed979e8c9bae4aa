"""A person's own data (the right of access): every personal value the ledger holds about them.

Read from the events of every complaint and incident that names the person, so each value comes
with where it came from: the record, the event that recorded it and when. Values are revealed
through the key store; an erased person has none left to give (the caller refuses first).
"""

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.cases.complaint import Complaint
from ledger.incidents.incident import Incident
from privacy.fields import Personal


@dataclass(frozen=True)
class HeldValue:
    """One personal value and its source."""

    record_kind: str  # "complaint" or "incident"
    record_id: UUID
    reference: str
    event: str
    version: int
    at: datetime
    field: str  # where in the event, dotted: "customer.phone", "affected_customers.0.name"
    value: str


def _personal_fields(value: Any, path: str) -> Iterator[tuple[str, Personal]]:
    if isinstance(value, Personal):
        yield path, value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _personal_fields(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _personal_fields(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for number, item in enumerate(value):
            yield from _personal_fields(item, f"{path}.{number}")


def held_values(app: Any, subject_id: UUID, cases: list[Complaint | Incident]) -> list[HeldValue]:
    """Every personal value of `subject_id` in the events of `cases`, in record and event order."""
    found = []
    for case in sorted(cases, key=lambda c: (type(c).__name__, c.reference)):
        kind = "complaint" if isinstance(case, Complaint) else "incident"
        for event in app.events.get(case.id):
            for name, attribute in sorted(event.__dict__.items()):
                for path, value in _personal_fields(attribute, name):
                    if value.subject_id != subject_id:
                        continue
                    found.append(
                        HeldValue(
                            kind,
                            case.id,
                            case.reference,
                            type(event).__name__,
                            event.originator_version,
                            event.timestamp,
                            path,
                            app.reveal(value),
                        )
                    )
    return found
