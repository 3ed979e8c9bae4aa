"""Worklists: every incident, the escalation inbox, every handoff; each a page at a time.

They read the read models (`projections/`), never the event streams, and each is scoped like the
records it lists: department staff see what their department may read, and a filter naming
another department finds nothing rather than saying whether it exists.
"""

import json
from datetime import datetime
from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from api.http.identity import current_actor
from api.http.pagination import LINK_HEADER, after, paged
from api.http.presenters import ledger
from api.http.problem_docs import problems
from api.http.routes.cases import read_side
from api.http.schemas import worklists as s
from ledger.access.conditions import department_scope
from ledger.values import ESCALATION_LEVELS
from projections.cases.escalation_inbox import EscalationFilter, list_escalations
from projections.cases.handoff_list import HandoffFilter, list_handoffs
from projections.engine.read_side import ReadSide
from projections.engine.tables import Row
from projections.incidents.incident_queries import IncidentFilter, list_incidents, references

blp = Blueprint(
    "worklists",
    __name__,
    url_prefix="/v1",
    description="Worklists: every incident, the escalation inbox, every handoff",
)


def caught_up_side(*names: str) -> ReadSide:
    """The read side, its named views caught up first when projections run in this process."""
    side = read_side()
    if current_app.config["LEDGER_PROJECTIONS"] == "inprocess":
        side.catch_up(names)
    return side


def _overdue(due: datetime | None, now: datetime) -> bool:
    return due is not None and due <= now


def _incident_item(row: Row, now: datetime) -> dict[str, Any]:
    items = json.loads(row["action_items"]).values()
    return {
        **row,
        "departments": [d for d in row["departments"].split(",") if d],
        "overdue": _overdue(row["next_due"], now),
        "open_action_items": sum(1 for i in items if i["status"] in ("open", "done")),
    }


@blp.route("/incidents", methods=["GET"], endpoint="incidents")
@blp.arguments(s.IncidentListQuery, location="query")
@blp.response(200, s.IncidentListOut, headers=LINK_HEADER)
@problems(blp, 400, 422)
def incidents(args: dict[str, Any]) -> Any:
    """List incidents, newest first or soonest due first, filtered, a page at a time"""
    side = caught_up_side("incident_list")
    now = ledger().clock.now()
    actor = current_actor()
    department = department_scope(actor)
    rows, key = list_incidents(
        side.db,
        side.generation("incident_list"),
        IncidentFilter(
            status=args.get("status"),
            level=args.get("level"),
            department=args.get("department"),
            overdue=args.get("overdue"),
            q=args.get("q"),
        ),
        now=now,
        limit=args["limit"],
        sort=args["sort"],
        scope=None if department is None else (department, actor.staff_id),
        after=after(args),
    )
    body = {
        "position": side.position("incident_list"),
        "as_of": now,
        "items": [_incident_item(r, now) for r in rows],
    }
    return paged(body, key)


def escalation_filter(args: dict[str, Any]) -> EscalationFilter | None:
    """The filters as asked, narrowed to the caller's inbox and scope; None: nothing to list."""
    actor = current_actor()
    level, department, kind = args.get("level"), args.get("department"), args.get("kind")
    status = args.get("status")
    if args["inbox"]:
        if actor.role not in ESCALATION_LEVELS or level not in (None, actor.role):
            return None
        level, status = actor.role, status or "raised"
        if actor.department is not None:
            if department not in (None, actor.department):
                return None
            department = actor.department
    scope = department_scope(actor)
    if scope is not None:
        # Department staff: the escalations of complaints their department holds.
        if department not in (None, scope) or kind not in (None, "complaint"):
            return None
        department, kind = scope, "complaint"
    return EscalationFilter(level=level, status=status, kind=kind, department=department)


@blp.route("/escalations", methods=["GET"], endpoint="escalations")
@blp.arguments(s.EscalationListQuery, location="query")
@blp.response(200, s.EscalationListOut, headers=LINK_HEADER)
@problems(blp, 400, 422)
def escalations(args: dict[str, Any]) -> Any:
    """The escalation inbox: longest waiting first, by level and reporting chain"""
    side = caught_up_side("escalation_inbox", "case_status", "incident_list")
    now = ledger().clock.now()
    start = after(args)
    filters = escalation_filter(args)
    body: dict[str, Any] = {"position": side.position("escalation_inbox"), "as_of": now}
    if filters is None:
        return paged({**body, "items": []}, None)
    rows, key = list_escalations(
        side.db,
        (side.generation("escalation_inbox"), side.generation("case_status")),
        filters,
        limit=args["limit"],
        after=start,
    )
    incident_ids = [r["subject_id"] for r in rows if r["subject_kind"] == "incident"]
    named = references(side.db, side.generation("incident_list"), incident_ids)
    for row in rows:
        row["subject_reference"] = row["subject_reference"] or named.get(row["subject_id"])
        waited_until = row["acknowledged_at"] or now
        row["waited_seconds"] = max(0.0, (waited_until - row["raised_at"]).total_seconds())
    return paged({**body, "items": rows}, key)


@blp.route("/handoffs", methods=["GET"], endpoint="handoffs")
@blp.arguments(s.HandoffListQuery, location="query")
@blp.response(200, s.HandoffListOut, headers=LINK_HEADER)
@problems(blp, 400, 422)
def handoffs(args: dict[str, Any]) -> Any:
    """List handoffs, open or settled, by department, direction, state and lateness"""
    side = caught_up_side("handoff_list")
    now = ledger().clock.now()
    start = after(args)
    department = args.get("department")
    scope = department_scope(current_actor())  # department staff: their department's only
    body: dict[str, Any] = {"position": side.position("handoff_list"), "as_of": now}
    if scope is not None and department not in (None, scope):
        return paged({**body, "items": []}, None)
    rows, key = list_handoffs(
        side.db,
        side.generation("handoff_list"),
        HandoffFilter(
            department=department if scope is None else scope,
            direction=args["direction"],
            state=args.get("state"),
            overdue=args.get("overdue"),
        ),
        now=now,
        limit=args["limit"],
        sort=args["sort"],
        after=start,
    )
    items = [{**r, "overdue": _overdue(r["next_due"], now)} for r in rows]
    return paged({**body, "items": items}, key)
