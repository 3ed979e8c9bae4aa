"""Register a complaint; the case page (state, clocks, one timeline, the actions allowed now);
the actions themselves, and accepting or refusing a handoff.

Every view reads and writes through the same functions as the API: records loaded within the
caller's scope (`presenters.load`), bodies masked for the caller's role (`presenters.*_body`),
commands through the application, the form read by the API endpoint's request schema.
"""

from typing import Any
from uuid import UUID

from flask import current_app, redirect, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from api.console.actions import ACTIONS, Action
from api.console.blueprint import bp, page
from api.console.case_work import open_work
from api.console.forms import FormError, read_form
from api.console.permits import allowed
from api.http.identity import current_actor
from api.http.paths import complaint_id, record_id
from api.http.presenters import complaint_body, history_body, ledger, load
from api.http.request_state import request_state
from api.http.routes.cases import case_bodies
from api.http.routes.complaints import register_from
from api.http.routes.worklists import caught_up_side
from api.http.schemas.common import ReasonIn
from api.http.schemas.complaints import RegisterComplaintIn
from ledger.application.history import compliance_history
from ledger.errors import ConcurrencyError, DomainError
from ledger.values import CHANNELS, ESCALATION_LEVELS, PRIORITIES
from projections.cases.queries import get_case


@bp.route("/complaints/new", methods=["GET", "POST"], endpoint="register")
def register() -> Response | tuple[str, int]:
    """Register a complaint; on success, its case page."""
    if request.method == "GET":
        return _register_form()
    try:
        args = read_form(RegisterComplaintIn, request.form)
    except FormError as error:
        return _register_form(422, errors=error.fields)
    try:
        complaint = register_from(args)
    except DomainError as error:
        return _register_form(409, refused=str(error))
    request_state().presented = f"complaint:{complaint.id}:{complaint.version}"
    return redirect(url_for("console.case", complaint=complaint.reference), 303)


def _register_form(
    status: int = 200, *, errors: dict[str, str] | None = None, refused: str | None = None
) -> tuple[str, int]:
    return page(
        "register.html",
        status,
        channels=CHANNELS,
        departments=ledger().policy.departments,
        form=request.form,
        errors=errors or {},
        refused=refused,
    )


@bp.route("/cases/<string:complaint>", methods=["GET"], endpoint="case")
def case(complaint: str) -> tuple[str, int]:
    """The case page."""
    return _case_page(complaint_id(complaint))


def _case_page(
    cid: UUID,
    status: int = 200,
    *,
    acted: str | None = None,
    refused: str | None = None,
    errors: dict[str, str] | None = None,
    form: MultiDict[str, str] | None = None,
) -> tuple[str, int]:
    complaint = load("complaint", cid)
    body = complaint_body(complaint)
    side = caught_up_side("case_status", "sla")
    now = ledger().clock.now()
    row = get_case(side.db, side.generation("case_status"), str(cid))
    clocks = case_bodies(side, [row], now)[0]["clocks"] if row else []
    return page(
        "case.html",
        status,
        case=body,
        clocks=clocks,
        timeline=_timeline(cid),
        actions=_allowed_actions(),
        work=open_work(body),
        acted=acted,
        refused=refused,
        errors=errors or {},
        form=form or MultiDict(),
        priorities=PRIORITIES,
        levels=ESCALATION_LEVELS,
        departments=ledger().policy.departments,
        now=now,
    )


def _timeline(cid: UUID) -> list[dict[str, Any]]:
    """The complaint's events and its handoffs' and escalations', in order, each with who."""
    trail = compliance_history(ledger(), cid)
    events: list[dict[str, Any]] = history_body(cid, [t.entry for t in trail])["events"]
    directory = current_app.extensions["notifications"].directory
    names: dict[str, str | None] = {}
    for event, item in zip(events, trail, strict=True):
        event["stream"] = item.stream
        actor = event["actor"]
        if actor is not None:
            staff_id = actor["staff_id"]
            if staff_id not in names:
                member = directory.get(staff_id)
                names[staff_id] = member.display_name if member else None
            actor["display_name"] = names[staff_id]
    return events


def _allowed_actions() -> list[Action]:
    """The actions the policy table lets the caller take on this complaint (the ledger may
    still refuse one in the complaint's state, and then says why)."""
    permitted = allowed([action.name for action in ACTIONS.values()])
    return [action for action in ACTIONS.values() if action.name in permitted]


def _act(action: Action) -> Any:
    def view(complaint: str) -> Response | tuple[str, int]:
        cid = complaint_id(complaint)
        extra = {"complaint_id": str(cid)} if action.names_complaint else {}
        form = MultiDict({**request.form.to_dict(), **extra})
        try:
            args = read_form(action.schema, form)
            args.pop("complaint_id", None)
            action.call(ledger(), cid, current_actor(), args)
        except FormError as error:
            return _case_page(cid, 422, errors=error.fields, form=request.form, acted=action.name)
        except (DomainError, ConcurrencyError) as error:
            return _case_page(cid, 409, refused=str(error), form=request.form, acted=action.name)
        return redirect(url_for("console.case", complaint=complaint) + "#timeline", 303)

    view.__name__ = f"act_{action.name.replace('-', '_')}"
    view.__doc__ = f"Take the action '{action.name}' on a complaint."
    return view


for _action in ACTIONS.values():
    bp.add_url_rule(
        f"/cases/<string:complaint>/{_action.name}",
        endpoint=_action.name,
        view_func=_act(_action),
        methods=["POST"],
    )


@bp.route("/handoffs/<string:handoff>/accept", methods=["POST"], endpoint="accept_handoff")
def accept_handoff(handoff: str) -> Response | tuple[str, int]:
    """Accept a handoff addressed to the caller's department."""
    try:
        ledger().accept_handoff(record_id(handoff, kind="handoff"), actor=current_actor())
    except (DomainError, ConcurrencyError) as error:
        return page("refused.html", 409, reason="ledger", detail=str(error))
    return redirect(url_for("console.home"), 303)


@bp.route("/handoffs/<string:handoff>/refuse", methods=["POST"], endpoint="refuse_handoff")
def refuse_handoff(handoff: str) -> Response | tuple[str, int]:
    """Refuse a handoff, saying why."""
    try:
        args = read_form(ReasonIn, request.form)
        ledger().reject_handoff(
            record_id(handoff, kind="handoff"), reason=args["reason"], actor=current_actor()
        )
    except FormError as error:
        return page("refused.html", 422, reason="form", detail=str(error))
    except (DomainError, ConcurrencyError) as error:
        return page("refused.html", 409, reason="ledger", detail=str(error))
    return redirect(url_for("console.home"), 303)
