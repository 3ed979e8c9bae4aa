"""An incident as the API shows it: its JSON body, personal text revealed as the caller may."""

from dataclasses import asdict
from typing import Any
from uuid import UUID

from api.http.presenters import customer_body, ledger
from api.http.reveals import show
from ledger.incidents.incident import Incident
from projections.incidents.review import action_item_overdue


def incident_body(i: Incident) -> dict[str, Any]:
    """The incident's response body (`IncidentOut`), as of the request's clock."""
    now = ledger().clock.now()
    return {
        "id": i.id,
        "reference": i.reference,
        "version": i.version,
        "status": i.status,
        "title": i.title,
        "description": i.description,
        "level": i.level,
        "impact": i.impact,
        "affected_customers": [customer_body(c) for c in i.affected_customers],
        "departments": i.departments,
        "reported_at": i.reported_at,
        "reported_by": asdict(i.reported_by),
        "assess_due": i.assess_due,
        "activate_due": i.activate_due,
        "assessed_at": i.assessed_at,
        "plan": i.plan,
        "activated_at": i.activated_at,
        "roles": i.roles,
        "role_history": i.role_history,
        "timeline": [
            {
                "kind": e["kind"],
                "text": show(e["personal_text"], "text", "timeline.text")
                if e["personal_text"] is not None
                else e["text"],
                "subject_id": e["personal_text"].subject_id if e["personal_text"] else None,
                "phase": e["phase"],
                "by": e["by"],
                "at": e["at"],
            }
            for e in i.timeline
        ],
        "milestones": i.milestones,
        "mitigated_at": i.mitigated_at,
        "resolved_at": i.resolved_at,
        "review_plan_due": i.review_plan_due,
        "reviewed_at": i.reviewed_at,
        "contributing_factors": i.contributing_factors,
        "went_well": i.went_well,
        "went_badly": i.went_badly,
        "action_items": [
            item | {"overdue": action_item_overdue(item, now)} for item in i.action_items.values()
        ],
        "linked_complaints": i.linked_complaints,
        "open_escalations": [UUID(e) for e in i.open_escalations],
        "closed_at": i.closed_at,
    }
