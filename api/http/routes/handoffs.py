"""Handoffs between departments, and each department's queue of open handoffs."""

from typing import Any

from flask import current_app

from api.http.blueprint import Blueprint
from api.http.identity import current_actor
from api.http.pagination import LINK_HEADER, after, paged
from api.http.paths import complaint_id, record_id
from api.http.presenters import history_of, ledger, load, present
from api.http.problem_docs import problems
from api.http.routes.cases import read_side
from api.http.schemas import common as schemas
from api.http.schemas import handoffs as handoffs_schemas
from api.http.schemas.case_bodies import HandoffOut
from ledger.errors import NotFoundError
from projections.cases.handoff_queue import open_for

blp = Blueprint("handoffs", __name__, url_prefix="/v1", description="Cross-department handoffs")


@blp.route("/handoffs", methods=["POST"])
@blp.arguments(handoffs_schemas.RequestHandoffIn)
@blp.response(201, HandoffOut)
@problems(blp, 404, 409, 422)
def request_handoff(args: dict[str, Any]) -> Any:
    """Hand a complaint to another department (at most one open handoff per complaint)"""
    handoff = ledger().request_handoff(
        complaint_id=complaint_id(args["complaint_id"]),
        to_department=args["to_department"],
        reason=args["reason"],
        due=args.get("due"),
        actor=current_actor(),
    )
    return present("handoff", handoff), 201, {"Location": f"/v1/handoffs/{handoff.id}"}


@blp.route("/handoffs/<string:handoff>", methods=["GET"])
@blp.response(200, HandoffOut)
@problems(blp, 404)
def read(handoff: str) -> Any:
    """Read a handoff"""
    return present("handoff", load("handoff", record_id(handoff, kind="handoff")))


@blp.route("/handoffs/<string:handoff>/history", methods=["GET"])
@blp.response(200, schemas.HistoryOut)
@problems(blp, 404)
def history(handoff: str) -> Any:
    """Read a handoff's event history"""
    hid = record_id(handoff, kind="handoff")
    return history_of("handoff", hid)


@blp.route("/handoffs/<string:handoff>/accept", methods=["POST"])
@blp.arguments(schemas.EmptyIn)
@blp.response(200, HandoffOut)
@problems(blp, 404, 409, 422)
def accept(_: dict[str, Any], handoff: str) -> Any:
    """Accept a handoff: the receiving department takes the complaint"""
    hid = record_id(handoff, kind="handoff")
    return present("handoff", ledger().accept_handoff(hid, actor=current_actor()))


@blp.route("/handoffs/<string:handoff>/reject", methods=["POST"])
@blp.arguments(schemas.ReasonIn)
@blp.response(200, HandoffOut)
@problems(blp, 404, 409, 422)
def reject(args: dict[str, Any], handoff: str) -> Any:
    """Reject a handoff with a reason: the sender keeps the complaint"""
    hid = record_id(handoff, kind="handoff")
    return present(
        "handoff", ledger().reject_handoff(hid, reason=args["reason"], actor=current_actor())
    )


@blp.route("/handoffs/<string:handoff>/complete", methods=["POST"])
@blp.arguments(handoffs_schemas.ResultIn)
@blp.response(200, HandoffOut)
@problems(blp, 404, 409, 422)
def complete(args: dict[str, Any], handoff: str) -> Any:
    """Complete a handoff with its result: the complaint returns to the sender"""
    hid = record_id(handoff, kind="handoff")
    return present(
        "handoff", ledger().complete_handoff(hid, result=args["result"], actor=current_actor())
    )


@blp.route("/departments/<string:department>/handoffs", methods=["GET"])
@blp.arguments(handoffs_schemas.QueueQuery, location="query")
@blp.response(200, handoffs_schemas.DepartmentQueueOut, headers=LINK_HEADER)
@problems(blp, 400, 404, 422)
def department_queue(args: dict[str, Any], department: str) -> Any:
    """A department's open handoffs, oldest first, with their deadlines, a page at a time"""
    app = ledger()
    if department not in app.policy.departments:
        raise NotFoundError("no such department")
    side = read_side()
    if current_app.config["LEDGER_PROJECTIONS"] == "inprocess":
        # Catch up before reading, so a department sees a handoff the moment it was requested.
        side.catch_up(["handoff_queue"])
    handoffs, key = open_for(
        side.db,
        side.generation("handoff_queue"),
        department,
        limit=args["limit"],
        after=after(args),
    )
    body = {
        "department": department,
        "position": side.position("handoff_queue"),
        "handoffs": handoffs,
    }
    return paged(body, key)
