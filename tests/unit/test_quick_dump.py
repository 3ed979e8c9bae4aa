"""`QuickDump` writes exactly what marshmallow's own dump writes, only with fewer calls."""

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest
from marshmallow import Schema, fields

from api.http.quick_dump import QuickDump
from api.http.schemas.read import CaseListOut, CaseOut
from projections.cases.sla_clocks import ClockView

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _clock(n: int) -> ClockView:
    return ClockView(
        clock="first_response",
        department=None if n % 2 else "service",
        handoff_id=uuid4() if n % 2 else None,
        started_at=AT,
        due_at=AT + timedelta(hours=n),
        warn_at=None,
        met_at=None,
        breached_at=AT if n == 2 else None,
        state="running",
        seconds_left=3600.5 * n,
    )


def _case(n: int) -> dict[str, Any]:
    return {
        "id": uuid4(),
        "reference": f"CMP-2026-{n:06d}",
        "status": "classified",
        "channel": "phone",
        "category": None,
        "priority": "urgent",
        "customer_tier": "standard",
        "department": "service",
        "owner": "agent-1" if n % 2 else None,
        "open_handoff": None
        if n % 2
        else {"handoff_id": uuid4(), "to_department": "technical", "accepted": False},
        "escalation_level": None,
        "registered_at": AT,
        "first_response_due": AT + timedelta(hours=4),
        "next_due": None,
        "breached": n == 3,
        "breaches": ["first_response"] if n == 3 else [],
        "warning": False,
        "clocks": [_clock(k) for k in range(n % 4)],
        "linked_incident": None,
        "last_activity_at": AT,
        "version": n,
        # left out on purpose: written_reply_due, resolution_due, awaiting_customer_since
    }


def _field(field: Any) -> Any:
    """The same field, whatever schema it nests made an ordinary marshmallow one."""
    field = copy.copy(field)
    if isinstance(field, fields.Nested):
        field.nested = _ordinary(field.nested)
    if isinstance(field, fields.List):
        field.inner = _field(field.inner)
    return field


def _ordinary(schema: Any) -> type[Schema]:
    """An ordinary marshmallow schema with the same fields as `schema` (a QuickDump)."""
    return Schema.from_dict({n: _field(f) for n, f in schema._declared_fields.items()})


def test_a_page_of_cases_dumps_to_exactly_what_marshmallow_writes() -> None:
    page = {"position": 7, "as_of": AT, "items": [_case(n) for n in range(8)], "next": None}
    assert CaseListOut().dump(page) == _ordinary(CaseListOut)().dump(page)


def test_the_ordinary_schemas_compared_with_are_not_quick() -> None:
    assert not issubclass(_ordinary(CaseListOut), QuickDump)


def test_an_object_that_cannot_be_indexed_is_read_by_its_attributes() -> None:
    class Row:
        reference = "CMP-2026-000001"
        version = 3

    class Small(CaseOut):
        class Meta:
            fields = ("reference", "version")

    assert Small().dump(Row()) == {"reference": "CMP-2026-000001", "version": 3}


@pytest.mark.parametrize("value", [None, 0, 5])
def test_a_field_with_a_default_or_a_data_key_comes_out_as_marshmallow_names_it(
    value: int | None,
) -> None:
    class Keyed(CaseOut):
        count = fields.Integer(data_key="total", dump_default=42)

    body = {} if value == 5 else {"count": value}
    assert Keyed().dump(body) == _ordinary(Keyed)().dump(body)


@pytest.mark.parametrize("value", [AT, AT.astimezone(timezone(timedelta(hours=8))), None])
def test_moments_in_any_format_come_out_as_marshmallow_writes_them(value: Any) -> None:
    class Moments(QuickDump):
        iso = fields.AwareDateTime(allow_none=True)
        rfc = fields.DateTime(format="rfc", allow_none=True)
        text = fields.String(allow_none=True)

    body = {"iso": value, "rfc": value, "text": None if value is None else str(value)}
    assert Moments().dump(body) == _ordinary(Moments)().dump(body)
