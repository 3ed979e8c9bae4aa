"""Escalations: raise on a complaint, acknowledge at the level, resolve with an outcome."""

from typing import Any

from api.http.blueprint import Blueprint
from api.http.identity import current_actor
from api.http.paths import complaint_id, record_id
from api.http.presenters import history_of, ledger, load, present
from api.http.problem_docs import problems
from api.http.schemas import common as schemas
from api.http.schemas import escalations as escalations_schemas
from api.http.schemas.case_bodies import EscalationOut

blp = Blueprint("escalations", __name__, url_prefix="/v1/escalations", description="Escalations")


@blp.route("", methods=["POST"])
@blp.arguments(escalations_schemas.RaiseEscalationIn)
@blp.response(201, EscalationOut)
@problems(blp, 404, 409, 422)
def raise_escalation(args: dict[str, Any]) -> Any:
    """Escalate a complaint to supervisor, manager or executive (skipping needs a reason)"""
    escalation = ledger().raise_escalation(
        complaint_id=complaint_id(args["complaint_id"]),
        level=args["level"],
        reason=args["reason"],
        skip_reason=args.get("skip_reason"),
        actor=current_actor(),
    )
    return present("escalation", escalation), 201, {"Location": f"/v1/escalations/{escalation.id}"}


@blp.route("/<string:escalation>", methods=["GET"])
@blp.response(200, EscalationOut)
@problems(blp, 404)
def read(escalation: str) -> Any:
    """Read an escalation"""
    return present("escalation", load("escalation", record_id(escalation, kind="escalation")))


@blp.route("/<string:escalation>/history", methods=["GET"])
@blp.response(200, schemas.HistoryOut)
@problems(blp, 404)
def history(escalation: str) -> Any:
    """Read an escalation's event history"""
    eid = record_id(escalation, kind="escalation")
    return history_of("escalation", eid)


@blp.route("/<string:escalation>/acknowledge", methods=["POST"])
@blp.arguments(schemas.EmptyIn)
@blp.response(200, EscalationOut)
@problems(blp, 404, 409, 422)
def acknowledge(_: dict[str, Any], escalation: str) -> Any:
    """Acknowledge an escalation at its level"""
    eid = record_id(escalation, kind="escalation")
    return present("escalation", ledger().acknowledge_escalation(eid, actor=current_actor()))


@blp.route("/<string:escalation>/resolve", methods=["POST"])
@blp.arguments(escalations_schemas.OutcomeIn)
@blp.response(200, EscalationOut)
@problems(blp, 404, 409, 422)
def resolve(args: dict[str, Any], escalation: str) -> Any:
    """Resolve an escalation with its outcome"""
    eid = record_id(escalation, kind="escalation")
    return present(
        "escalation",
        ledger().resolve_escalation(eid, outcome=args["outcome"], actor=current_actor()),
    )
