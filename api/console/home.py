"""My work: the home page, one section per role the caller holds.

Each section reads the same read models, through the same functions and with the same scoping,
as the API's lists: an agent's open cases by next deadline, a department's queue and incoming
handoffs, a supervisor's / manager's / executive's escalation inbox by waiting time, an incident
manager's active incidents; a compliance officer's integrity status; a privacy officer's holds
and recent erasures.
"""

from datetime import datetime
from typing import Any

from api.console.audit import integrity_status
from api.console.blueprint import bp, page
from api.console.privacy import privacy_status
from api.http.identity import current_actor
from api.http.presenters import ledger
from api.http.routes.cases import case_bodies
from api.http.routes.worklists import caught_up_side, escalation_filter
from ledger.cases.handoff import REQUESTED
from ledger.values import ESCALATION_LEVELS, Actor
from projections.cases.escalation_inbox import list_escalations
from projections.cases.handoff_list import HandoffFilter, list_handoffs
from projections.cases.queries import CaseFilter, department_queue, list_cases
from projections.incidents.incident_queries import IncidentFilter, list_incidents

LIMIT = 50  # a home page shows the first items; the lists page the rest
CLOSED = ("closed",)


def _my_cases(actor: Actor, now: datetime) -> list[dict[str, Any]]:
    side = caught_up_side("case_status", "sla")
    rows, _ = list_cases(
        side.db,
        side.generation("case_status"),
        CaseFilter(owner=actor.staff_id),
        now=now,
        limit=LIMIT,
        sort="due",
    )
    return case_bodies(side, [r for r in rows if r["status"] not in CLOSED], now)


def _queue(actor: Actor, now: datetime) -> dict[str, Any]:
    department = actor.department or ""
    side = caught_up_side("case_status", "sla", "handoff_list")
    rows, _ = department_queue(
        side.db, side.generation("case_status"), department, limit=LIMIT, sort="due"
    )
    incoming, _ = list_handoffs(
        side.db,
        side.generation("handoff_list"),
        HandoffFilter(department=department, direction="in", state=REQUESTED),
        now=now,
        limit=LIMIT,
    )
    return {"cases": case_bodies(side, rows, now), "handoffs": incoming}


def _inbox(now: datetime) -> list[dict[str, Any]]:
    side = caught_up_side("escalation_inbox", "case_status")
    filters = escalation_filter({"inbox": True})
    if filters is None:
        return []
    rows, _ = list_escalations(
        side.db,
        (side.generation("escalation_inbox"), side.generation("case_status")),
        filters,
        limit=LIMIT,
    )
    for row in rows:
        row["waited_seconds"] = max(0.0, (now - row["raised_at"]).total_seconds())
    return rows


def _incidents(now: datetime) -> list[dict[str, Any]]:
    side = caught_up_side("incident_list")
    rows, _ = list_incidents(
        side.db,
        side.generation("incident_list"),
        IncidentFilter(),
        now=now,
        limit=LIMIT,
        sort="due",
    )
    return [r for r in rows if r["status"] != "closed"]


@bp.route("/", methods=["GET"], endpoint="home")
def home() -> tuple[str, int]:
    """My work: what the caller's role has to do next."""
    actor = current_actor()
    now = ledger().clock.now()
    sections: dict[str, Any] = {}
    if actor.role == "agent":
        sections["cases"] = _my_cases(actor, now)
    if actor.role == "department_staff":
        sections["queue"] = _queue(actor, now)
    if actor.role in ESCALATION_LEVELS:
        sections["inbox"] = _inbox(now)
    if actor.role == "incident_manager":
        sections["incidents"] = _incidents(now)
    if actor.role == "compliance_officer":
        sections["integrity"] = integrity_status()
    if actor.role == "privacy_officer":
        sections["privacy"] = privacy_status()
    return page("home.html", sections=sections, now=now)
