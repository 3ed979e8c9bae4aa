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


@pytest.mark.parametrize("number", [2**70 + 1, -(2**63) - 1, 10**19])
def test_a_number_past_64_bits_is_read_exactly_as_the_mapper_wrote_it(number: int) -> None:
    event = _event({"timestamp": {"_type_": "datetime_iso", "_data_": AT}, "count": number})
    assert type(event.count) is int and event.count == number


def test_a_number_past_64_bits_inside_a_list_or_an_object_is_read_exactly() -> None:
    event = _event(
        {
            "timestamp": {"_type_": "datetime_iso", "_data_": AT},
            "counts": [1, 2**64],
            "facts": {"total": -(2**63) - 1},
        }
    )
    assert event.counts == [1, 2**64] and type(event.counts[1]) is int
    assert type(event.facts["total"]) is int and event.facts["total"] == -(2**63) - 1


def test_a_large_float_stays_a_float() -> None:
    event = _event({"timestamp": {"_type_": "datetime_iso", "_data_": AT}, "ratio": 1e30})
    assert type(event.ratio) is float and event.ratio == 1e30


def test_a_nan_the_standard_encoder_wrote_is_read_back() -> None:
    event = _event({"timestamp": {"_type_": "datetime_iso", "_data_": AT}, "ratio": float("nan")})
    assert event.ratio != event.ratio


def test_personal_values_and_lists_come_back_as_stored() -> None:
    sealed = {"_type_": "personal", "_data_": {"subject": "s", "sealed": "x"}}
    event = _event(
        {
            "timestamp": {"_type_": "datetime_iso", "_data_": AT},
            "name": sealed,
            "departments": ["service", {"_type_": "uuid_hex", "_data_": "0" * 32}],
        }
    )
    assert event.name == sealed
    assert event.departments[0] == "service"
    assert str(event.departments[1]) == "00000000-0000-0000-0000-000000000000"
