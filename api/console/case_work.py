"""The case page's open handoff and escalations: complete a handoff, acknowledge or resolve an
escalation, each judged by its own record (the handoff's receiving department, the escalation's
reporting chain) exactly as the API judges it, and answered with the case page again.
"""

from typing import Any
from uuid import UUID

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

from api.console.blueprint import bp, current_session, page
from api.console.forms import FormError, read_form
from api.http.identity import current_actor
from api.http.paths import record_id
from api.http.presenters import escalation_body, handoff_body, ledger, load
from api.http.request_facts import RequestFacts
from api.http.request_state import request_state
from api.http.schemas.escalations import OutcomeIn
from api.http.schemas.handoffs import ResultIn
from ledger.access.policy import decide
from ledger.errors import ConcurrencyError, DomainError, NotFoundError


def may(view: str, **view_args: str) -> bool:
    """Would the policy table let the signed-in caller reach `view` on these records?"""
    session = current_session()
    principal = session.principal if session else None
    if principal is None:
        return False
    facts = RequestFacts(ledger(), view_args, records=request_state().records)
    try:
        outcome = decide(
            view,
            staff_id=principal.staff_id,
            roles=principal.roles,
            department=principal.department,
            facts=facts,
        ).outcome
    except NotFoundError:
        return False
    return outcome == "allowed"


def open_work(case: dict[str, Any]) -> dict[str, Any]:
    """The case's open handoff and escalations, each with the forms the caller may use."""
    handoff = None
    if case["open_handoff"] is not None:
        hid = str(case["open_handoff"]["handoff_id"])
        handoff = handoff_body(load("handoff", UUID(hid)))
        handoff["may"] = {
            v: may(f"console.{v}", handoff=hid)
            for v in ("accept_handoff", "refuse_handoff", "complete_handoff")
        }
    escalations = []
    for eid in case["open_escalations"]:
        body = escalation_body(load("escalation", eid))
        body["may"] = {
            v: may(f"console.{v}", escalation=str(eid))
            for v in ("acknowledge_escalation", "resolve_escalation")
        }
        escalations.append(body)
    return {"handoff": handoff, "escalations": escalations}


def _back_to_case(complaint_id: UUID) -> Response:
    return redirect(url_for("console.case", complaint=str(complaint_id)) + "#work", 303)


def _refused(status: int, reason: str, detail: str) -> tuple[str, int]:
    return page("refused.html", status, reason=reason, detail=detail)


@bp.route("/handoffs/<string:handoff>/complete", methods=["POST"], endpoint="complete_handoff")
def complete_handoff(handoff: str) -> Response | tuple[str, int]:
    """Complete a handoff with its result: the complaint returns to the sender."""
    hid = record_id(handoff, kind="handoff")
    try:
        args = read_form(ResultIn, request.form)
        done = ledger().complete_handoff(hid, result=args["result"], actor=current_actor())
    except FormError as error:
        return _refused(422, "form", str(error))
    except (DomainError, ConcurrencyError) as error:
        return _refused(409, "ledger", str(error))
    return _back_to_case(done.complaint_id)


@bp.route(
    "/escalations/<string:escalation>/acknowledge",
    methods=["POST"],
    endpoint="acknowledge_escalation",
)
def acknowledge_escalation(escalation: str) -> Response | tuple[str, int]:
    """Acknowledge an escalation at the caller's level."""
    eid = record_id(escalation, kind="escalation")
    try:
        done = ledger().acknowledge_escalation(eid, actor=current_actor())
    except (DomainError, ConcurrencyError) as error:
        return _refused(409, "ledger", str(error))
    return _after_escalation(done.subject_kind, done.subject_id)


@bp.route(
    "/escalations/<string:escalation>/resolve", methods=["POST"], endpoint="resolve_escalation"
)
def resolve_escalation(escalation: str) -> Response | tuple[str, int]:
    """Resolve an escalation with its outcome."""
    eid = record_id(escalation, kind="escalation")
    try:
        args = read_form(OutcomeIn, request.form)
        done = ledger().resolve_escalation(eid, outcome=args["outcome"], actor=current_actor())
    except FormError as error:
        return _refused(422, "form", str(error))
    except (DomainError, ConcurrencyError) as error:
        return _refused(409, "ledger", str(error))
    return _after_escalation(done.subject_kind, done.subject_id)


def _after_escalation(kind: str, subject_id: UUID) -> Response:
    if kind == "complaint":
        return _back_to_case(subject_id)
    return redirect(url_for("console.home"), 303)
