"""The archive record of a case: the facts a retention run keeps once the people are shredded.

No personal value enters a record: ids, vocabularies, times and whether each deadline was met.
"""

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.cases.complaint import Complaint
from ledger.incidents.incident import Incident
from ledger.integrity.checkpoints import Checkpoint
from ledger.subjects.subject import DataSubject

ARCHIVE_FORMAT = "complaint-ledger/archive/1"


def rule(record: str | None) -> str:
    """The retention rule an archive record names."""
    return str(json.loads(record).get("retention_rule")) if record else "?"


def hold(case: Complaint | Incident, people: dict[UUID, DataSubject | None]) -> str | None:
    """Why the case must be kept (a hold on it or on one of its people), or None."""
    if case.legal_hold is not None:
        return f"case under legal hold: {case.legal_hold}"
    for subject in subjects_of(case):
        person = people.get(subject)
        if person is not None and person.hold_reason is not None:
            return f"data subject {subject} under legal hold: {person.hold_reason}"
    return None


def record(
    case: Complaint | Incident,
    kind: str,
    rows: list[Any],
    departments: list[str],
    proof: dict[str, Any],
    rule: str,
) -> dict[str, Any]:
    """The archive record: the case's non-personal facts, its chain hashes, its proof."""
    record: dict[str, Any] = {
        "format": ARCHIVE_FORMAT,
        "case_id": str(case.id),
        "kind": kind,
        "reference": case.reference,
        "retention_rule": rule,
        "event_count": len(rows),
        "events": [
            {"version": version, "event": topic.rsplit(".", 1)[-1], "chain_hash": h.hex()}
            for _, _, version, topic, _, h in rows
        ],
        "proof": proof,
    }
    record.update(_complaint_facts(case) if isinstance(case, Complaint) else _incident_facts(case))
    record["departments"] = departments or record["departments"]
    return record


def checkpoint_ref(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "number": checkpoint.number,
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash.hex(),
        "signed_at": checkpoint.signed_at,
    }


def subjects_of(case: Complaint | Incident) -> Iterator[UUID]:
    if isinstance(case, Complaint):
        yield case.customer.subject_id
    else:
        yield from (c.subject_id for c in case.affected_customers)


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _outcome(done: datetime | None, due: datetime | None) -> str | None:
    if due is None:
        return None
    if done is None:
        return "missed"
    return "met" if done <= due else "missed"


def _complaint_facts(case: Complaint) -> dict[str, Any]:
    return {
        "category": case.category,
        "priority": case.priority,
        "customer_tier": case.customer_tier,
        "channel": case.channel,
        "departments": sorted({case.department}),
        "timestamps": {
            "registered_at": _time(case.registered_at),
            "first_responded_at": _time(case.first_responded_at),
            "resolved_at": _time(case.resolved_at),
            "closed_at": _time(case.closed_at),
        },
        "sla": {
            "first_response": _outcome(case.first_responded_at, case.first_response_due),
            "resolution": _outcome(case.resolved_at, case.resolution_due),
        },
        "resolution_category": "resolved" if case.resolved_at else "closed_unresolved",
        "csat": case.satisfaction,
        "escalation_level": case.escalation_level,
        "cycles": case.cycle,
    }


def _incident_facts(case: Incident) -> dict[str, Any]:
    return {
        "category": case.level,
        "priority": case.level,
        "departments": sorted(set(case.departments)),
        "timestamps": {
            "reported_at": _time(case.reported_at),
            "assessed_at": _time(case.assessed_at),
            "activated_at": _time(case.activated_at),
            "mitigated_at": _time(case.mitigated_at),
            "resolved_at": _time(case.resolved_at),
            "reviewed_at": _time(case.reviewed_at),
            "closed_at": _time(case.closed_at),
        },
        "sla": {
            "assessment": _outcome(case.assessed_at, case.assess_due),
            "activation": _outcome(case.activated_at, case.activate_due),
        },
        "resolution_category": "reviewed" if case.reviewed_at else "resolved",
        "csat": None,
        "affected_customers": len(case.affected_customers),
        "action_items": len(case.action_items),
    }
