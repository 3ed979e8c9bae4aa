"""Stored events as projections read them: the time from the bytes, the rest when asked."""

import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from projections.engine.stored_events import ProjectedEvent

AT = "2026-03-01T09:30:00.123456+00:00"


def _event(state: dict[str, object]) -> ProjectedEvent:
    stored = json.dumps(state, separators=(",", ":")).encode()
    return ProjectedEvent("Complaint.ProgressNoted", uuid4(), 2, None, stored)


def test_an_events_time_and_fields_are_read_from_its_stored_json() -> None:
    event = _event(
        {
            "timestamp": {"_type_": "datetime_iso", "_data_": AT},
            "department": "service",
            "owner_id": {"_type_": "uuid_hex", "_data_": "0" * 32},
        }
    )
    assert event.timestamp == datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)
    assert event.department == "service"
    assert str(event.owner_id) == "00000000-0000-0000-0000-000000000000"


def test_an_events_time_is_read_whatever_the_order_of_its_stored_fields() -> None:
    event = _event({"department": "service", "timestamp": {"_type_": "datetime_iso", "_data_": AT}})
    assert event.timestamp == datetime.fromisoformat(AT)


def test_a_field_the_event_does_not_have_is_an_attribute_error() -> None:
    event = _event({"timestamp": {"_type_": "datetime_iso", "_data_": AT}})
    with pytest.raises(AttributeError, match="priority"):
        _ = event.priority
