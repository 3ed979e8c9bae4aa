"""Read models over HTTP: the case list, department queues, SLA clocks, projection status.

With in-process projections (the embedded default) a read first catches the views up, so a
caller sees their own writes; with `LEDGER_PROJECTIONS=off` the views are what the worker
process has built, and every list says which position of the ledger it reflects.
"""

from datetime import datetime
from typing import Any

from flask import Flask, current_app

from api.http.blueprint import Blueprint
from api.http.identity import current_actor
from api.http.pagination import LINK_HEADER, after, paged
from api.http.paths import complaint_id
from api.http.presenters import history_body, ledger, load
from api.http.problem_docs import problems
from api.http.schemas import read as read_schemas
from ledger.access.conditions import department_scope
from ledger.application.history import compliance_history
from ledger.application.service import LedgerApplication
from ledger.errors import NotFoundError
from ledger.values import ESCALATION_LEVELS
from projections.cases.metrics import service_metrics
from projections.cases.queries import CaseFilter, department_queue, get_case, list_cases
from projections.cases.sla_clocks import clock_view, clocks_of
from projections.engine.read_side import ReadSide
from projections.engine.tables import Row

blp = Blueprint("cases", __name__, url_prefix="/v1", description="Read models")
VIEWS = ("case_status", "sla")


def install(app: Flask, ledger: LedgerApplication, *, mode: str) -> None:
    """Attach the read side (its worker thread is a background job: `api.background`)."""
    app.config["LEDGER_PROJECTIONS"] = mode
    app.extensions["read_side"] = ReadSide(ledger)


def read_side() -> ReadSide:
    side: ReadSide = current_app.extensions["read_side"]
    return side


def _current() -> tuple[ReadSide, dict[str, tuple[int, int]]]:
    """The read side and its case views' generations and positions, caught up first when
    projections run in this process."""
    side = read_side()
    inprocess = current_app.config["LEDGER_PROJECTIONS"] == "inprocess"
    return side, side.current(VIEWS, catch_up_first=inprocess)


def case_body(row: Row, clocks: list[Row], now: datetime) -> dict[str, Any]:
    views = [clock_view(c, now) for c in clocks]
    # A wait pauses the clocks unless its event said it does not (NULL: a row from before).
    paused = (
        row["awaiting_customer_since"] is not None
        and row.get("awaiting_customer_pauses") is not False
    )
    next_due = row["next_due"]
    level = row["escalation_level"] or 0
    return {
        "id": row["complaint_id"],
        "reference": row["reference"],
        "status": row["status"],
        "channel": row["channel"],
        "category": row["category"],
        "priority": row["priority"],
        "customer_tier": row["customer_tier"],
        "department": row["department"],
        "owner": row["owner"],
        "open_handoff": {
            "handoff_id": row["handoff_id"],
            "to_department": row["handoff_to"],
            "accepted": row["handoff_accepted"],
            "requested_at": row["handoff_requested_at"],
            "accept_due": row["handoff_accept_due"],
            "complete_due": row["handoff_complete_due"],
        }
        if row["handoff_id"]
        else None,
        "escalation_level": ESCALATION_LEVELS[level - 1] if level else None,
        "registered_at": row["registered_at"],
        "first_response_due": row["first_response_due"],
        "written_reply_due": row["written_reply_due"],
        "resolution_due": row["resolution_due"],
        "next_due": next_due,
        "awaiting_customer_since": row["awaiting_customer_since"],
        "breached": row["breach_count"] > 0
        or (not paused and next_due is not None and next_due <= now),
        "breaches": [b for b in row["breaches"].split(",") if b],
        "warning": any(v.state == "warning" for v in views),
        "clocks": views,
        "linked_incident": row["incident_id"],
        "last_activity_at": row["last_activity_at"],
        "version": row["version"],
    }


def case_bodies(
    side: ReadSide, rows: list[Row], now: datetime, sla: int | None = None
) -> list[dict[str, Any]]:
    """Rows of the status view as case bodies, with their clocks from the SLA view's
    generation `sla` (the active one unless told)."""
    generation = side.generation("sla") if sla is None else sla
    clocks = clocks_of(side.db, generation, [r["complaint_id"] for r in rows])
    return [case_body(r, clocks.get(r["complaint_id"], []), now) for r in rows]


@blp.route("/complaints", methods=["GET"])
@blp.arguments(read_schemas.CaseListQuery, location="query")
@blp.response(200, read_schemas.CaseListOut, headers=LINK_HEADER)
@problems(blp, 400, 422)
def list_complaints(args: dict[str, Any]) -> Any:
    """List complaints from the status view, newest or soonest due first, a page at a time"""
    side, views = _current()
    (generation, position), (sla, _) = views["case_status"], views["sla"]
    now = ledger().clock.now()
    start = after(args)
    department = args.get("department")
    scope = department_scope(current_actor())  # department staff list their department's only
    body: dict[str, Any] = {"position": position, "as_of": now}
    if scope is not None and department not in (None, scope):
        return paged({**body, "items": []}, None)
    rows, key = list_cases(
        side.db,
        generation,
        CaseFilter(
            status=args.get("status"),
            department=department if scope is None else scope,
            priority=args.get("priority"),
            category=args.get("category"),
            owner=args.get("owner"),
            breached=args.get("breached"),
            due_before=args.get("due_before"),
            q=args.get("q"),
        ),
        now=now,
        limit=args["limit"],
        sort=args["sort"],
        after=start,
    )
    return paged({**body, "items": case_bodies(side, rows, now, sla)}, key)


@blp.route("/complaints/<string:complaint>/sla", methods=["GET"])
@blp.response(200, read_schemas.CaseOut)
@problems(blp, 404)
def complaint_sla(complaint: str) -> Any:
    """One complaint's status row with every SLA clock"""
    side, views = _current()
    cid = str(load("complaint", complaint_id(complaint)).id)
    row = get_case(side.db, views["case_status"][0], cid)
    if row is None:
        raise NotFoundError("no complaint with that id in the status view")
    return case_bodies(side, [row], ledger().clock.now(), views["sla"][0])[0]


@blp.route("/departments/<string:department>/queue", methods=["GET"])
@blp.arguments(read_schemas.CaseQueueQuery, location="query")
@blp.response(200, read_schemas.QueueOut, headers=LINK_HEADER)
@problems(blp, 400, 404, 422)
def queue(args: dict[str, Any], department: str) -> Any:
    """What a department owns or has been handed, oldest (or soonest due) first, with time left
    to each deadline, a page at a time"""
    if department not in ledger().policy.departments:
        raise NotFoundError("no such department")
    side, views = _current()
    (generation, position), (sla, _) = views["case_status"], views["sla"]
    now = ledger().clock.now()
    rows, key = department_queue(
        side.db,
        generation,
        department,
        limit=args["limit"],
        sort=args["sort"],
        after=after(args),
    )
    body = {
        "department": department,
        "position": position,
        "as_of": now,
        "items": case_bodies(side, rows, now, sla),
    }
    return paged(body, key)


@blp.route("/projections", methods=["GET"])
@blp.response(200, read_schemas.ProjectionsOut)
@problems(blp)
def projections() -> Any:
    """Each projection's generation, position and lag behind the ledger (for operators)"""
    return {
        "mode": current_app.config["LEDGER_PROJECTIONS"],
        "projections": read_side().status(),
    }


@blp.route("/complaints/<string:complaint>/audit", methods=["GET"])
@blp.response(200, read_schemas.AuditOut)
@problems(blp, 404)
def audit(complaint: str) -> Any:
    """The compliance history: every event of the case, its escalations and handoffs, in order"""
    app = ledger()
    cid = complaint_id(complaint)
    case = load("complaint", cid)  # as a complaint, within the caller's scope
    trail = compliance_history(app, cid)
    body = history_body(cid, [t.entry for t in trail])
    for event, item in zip(body["events"], trail, strict=True):
        event["stream"] = item.stream
        event["stream_id"] = item.stream_id
    return {"id": cid, "reference": case.reference, "events": body["events"]}


@blp.route("/metrics/service", methods=["GET"])
@blp.arguments(read_schemas.ServiceMetricsQuery, location="query")
@blp.response(200, read_schemas.ServiceMetricsOut)
@problems(blp, 422)
def service(args: dict[str, Any]) -> Any:
    """Service metrics by period, department, category or channel, and the hot spots"""
    side, views = _current()
    generation, position = views["case_status"]
    groups, hot_spots = service_metrics(
        side.db,
        generation,
        now=ledger().clock.now(),
        since=args.get("from_"),
        until=args.get("to"),
        group_by=args.get("group_by"),
        period=args["period"],
    )
    return {
        "position": position,
        "from_": args.get("from_"),
        "to": args.get("to"),
        "group_by": args.get("group_by"),
        "groups": groups,
        "hot_spots": hot_spots,
    }
