"""Turn aggregates into response bodies, and remember which version a response showed.

Remembering `kind:id:version` lets an idempotent retry re-render exactly the first result from
the ledger's history, instead of storing a copy of a response that holds personal data.
"""

from collections.abc import Callable
from dataclasses import asdict
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from flask import current_app, has_request_context
from marshmallow import Schema

from api.http.conditional import remember
from api.http.request_state import request_state
from api.http.reveals import show
from api.http.schemas.case_bodies import ComplaintOut, EscalationOut, HandoffOut
from ledger.access.conditions import read_scope
from ledger.application.history import HistoryEntry
from ledger.application.records import ReadScope
from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.cases.escalation import Escalation
from ledger.cases.handoff import Handoff
from ledger.values import ESCALATION_LEVELS, Customer
from privacy.fields import Personal


def ledger() -> LedgerApplication:
    """The ledger; in a request, its view for this request (`RequestState.ledger`)."""
    if has_request_context():
        return request_state().ledger
    app: LedgerApplication = current_app.extensions["ledger"]
    return app


def caller_scope() -> ReadScope:
    """Which records the caller, in the role the access check allowed, may read by id."""
    actor = request_state().actor
    if actor is None:  # no caller: no record
        return ReadScope(confined=True)
    return read_scope(actor)


def load(kind: str, record_id: UUID) -> Any:
    """The record the path names, as `kind` and within the caller's scope (404 otherwise)."""
    return request_state().records.load(kind, record_id, caller_scope())


def history_of(kind: str, record_id: UUID) -> dict[str, Any]:
    """The body of a record's history, read as `load` reads the record."""
    return history_body(record_id, request_state().records.history(kind, record_id, caller_scope()))


def customer_body(customer: Customer) -> dict[str, Any]:
    return {
        "subject_id": customer.subject_id,
        "name": show(customer.name, "name", "customer.name"),
        "phone": show(customer.phone, "phone", "customer.phone"),
        "email": show(customer.email, "email", "customer.email"),
        "address": show(customer.address, "address", "customer.address"),
        "region": customer.region,
    }


def complaint_body(c: Complaint) -> dict[str, Any]:
    handoff = c.open_handoff
    return {
        "id": c.id,
        "reference": c.reference,
        "version": c.version,
        "status": c.status,
        "channel": c.channel,
        "customer": customer_body(c.customer),
        "summary": show(c.summary, "text", "summary"),
        "description": show(c.description, "text", "description"),
        "department": c.department,
        "owner": c.owner,
        "category": c.category,
        "priority": c.priority,
        "customer_tier": c.customer_tier,
        "registered_at": c.registered_at,
        "first_response_due": c.first_response_due,
        "written_reply_due": c.written_reply_due,
        "resolution_due": c.resolution_due,
        "first_responded_at": c.first_responded_at,
        "resolved_at": c.resolved_at,
        "resolution": show(c.resolution, "text", "resolution"),
        "feedback_due": c.feedback_due,
        "satisfaction": c.satisfaction,
        "cycle": c.cycle,
        "escalation_level": ESCALATION_LEVELS[c.escalation_level - 1]
        if c.escalation_level
        else None,
        "open_escalations": [UUID(e) for e in c.open_escalations],
        "open_handoff": {
            "handoff_id": UUID(handoff["handoff_id"]),
            "to_department": handoff["to_department"],
            "accepted": handoff["accepted"],
        }
        if handoff
        else None,
        "closed_at": c.closed_at,
        "awaiting_customer_since": c.awaiting_customer_since,
        "breaches": list(c.breaches),
        "incident_id": c.incident_id,
    }


def escalation_body(e: Escalation) -> dict[str, Any]:
    return {
        "id": e.id,
        "version": e.version,
        "subject_kind": e.subject_kind,
        "subject_id": e.subject_id,
        "level": e.level,
        "status": e.status,
        "reason": e.reason,
        "skip_reason": e.skip_reason,
        "automatic": e.automatic,
        "rule": e.rule,
        "raised_by": asdict(e.raised_by),
        "raised_at": e.raised_at,
        "acknowledged_by": e.acknowledged_by,
        "acknowledged_at": e.acknowledged_at,
        "outcome": e.outcome,
        "resolved_at": e.resolved_at,
    }


def handoff_body(h: Handoff) -> dict[str, Any]:
    return {
        "id": h.id,
        "version": h.version,
        "complaint_id": h.complaint_id,
        "complaint_reference": h.complaint_reference,
        "from_department": h.from_department,
        "to_department": h.to_department,
        "reason": h.reason,
        "status": h.status,
        "accept_due": h.accept_due,
        "complete_due": h.complete_due,
        "requested_by": asdict(h.requested_by),
        "requested_at": h.requested_at,
        "accepted_by": h.accepted_by,
        "accepted_at": h.accepted_at,
        "rejection_reason": h.rejection_reason,
        "result": h.result,
        "settled_at": h.settled_at,
    }


def _plain(value: Any, key: str = "") -> Any:
    """Event attributes as JSON-friendly values; personal ones as the caller may see them."""
    if isinstance(value, Personal):
        return show(value, "text", key)
    if isinstance(value, Customer):
        return customer_body(value) | {"subject_id": str(value.subject_id)}
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(v, k) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: _plain(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, key) for v in value]
    if isinstance(value, UUID):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def history_body(aggregate_id: UUID, entries: list[HistoryEntry]) -> dict[str, Any]:
    return {
        "id": aggregate_id,
        "events": [
            {
                "version": e.version,
                "event": e.event,
                "at": e.at,
                "actor": asdict(e.actor) if e.actor else None,
                "data": {k: _plain(v, k) for k, v in e.data.items()},
            }
            for e in entries
        ],
    }


# kind -> (load a version, body, schema)
RESOURCES: dict[
    str,
    tuple[
        Callable[[LedgerApplication, UUID, int], Any], Callable[[Any], dict[str, Any]], type[Schema]
    ],
] = {
    "complaint": (
        lambda app, i, v: app.get_complaint(i, version=v),
        complaint_body,
        ComplaintOut,
    ),
    "escalation": (
        lambda app, i, v: app.get_escalation(i, version=v),
        escalation_body,
        EscalationOut,
    ),
    "handoff": (
        lambda app, i, v: app.get_handoff(i, version=v),
        handoff_body,
        HandoffOut,
    ),
}


def present(kind: str, aggregate: Aggregate) -> dict[str, Any]:
    """The body for `aggregate`, remembering which version of which record it shows."""
    state = request_state()
    state.presented = f"{kind}:{aggregate.id}:{aggregate.version}"
    remember(aggregate)
    return RESOURCES[kind][1](aggregate)


def re_present(reference: str) -> dict[str, Any]:
    """Re-render a remembered `kind:id:version` exactly as it was first shown."""
    kind, aggregate_id, version = reference.split(":")
    load, body, schema = RESOURCES[kind]
    aggregate = load(ledger(), UUID(aggregate_id), int(version))
    remember(aggregate)
    dumped: dict[str, Any] = schema().dump(body(aggregate))
    return dumped
