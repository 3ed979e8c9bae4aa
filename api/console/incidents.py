"""Incidents: the board, reporting one, the incident page with the actions allowed now, the
review editor and the printable review document.

Reads go through what the API reads: the board through `list_incidents` scoped as
`GET /v1/incidents`, the page through `presenters.load` and `incident_body` (masking), and the
review through `build_review` with the caller's scope, as `GET /v1/incidents/<id>/review`.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Response, current_app, redirect, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from api.console.blueprint import bp, page
from api.console.forms import FormError, read_form
from api.console.incident_actions import INCIDENT_ACTIONS, IncidentAction
from api.console.permits import allowed
from api.http.identity import current_actor
from api.http.incident_body import incident_body
from api.http.paths import incident_id
from api.http.presenters import caller_scope, ledger, load
from api.http.request_state import request_state
from api.http.reveals import show
from api.http.routes.worklists import caught_up_side
from api.http.schemas.incidents import ReportIncidentIn
from ledger.access.conditions import department_scope
from ledger.errors import ConcurrencyError, DomainError, InvalidValueError
from ledger.incidents.incident import ENTRY_KINDS, LEVELS, MILESTONES, STATUSES
from privacy.fields import Personal
from projections.incidents.incident_queries import IncidentFilter, list_incidents
from projections.incidents.review import build_review
from projections.incidents.review_html import render_html

BOARD_LIMIT = 200  # a board shows what is in play; the incidents list pages through the rest
REVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@bp.route("/incidents", methods=["GET"], endpoint="incidents")
def board() -> tuple[str, int]:
    """The incident board: every incident not yet closed, by status, soonest due first."""
    side = caught_up_side("incident_list")
    now = ledger().clock.now()
    actor = current_actor()
    scope = department_scope(actor)
    rows, _ = list_incidents(
        side.db,
        side.generation("incident_list"),
        IncidentFilter(),
        now=now,
        limit=BOARD_LIMIT,
        sort="due",
        scope=None if scope is None else (scope, actor.staff_id),
    )
    columns: dict[str, list[Any]] = {s: [] for s in STATUSES if s != "closed"}
    for row in rows:
        if row["status"] in columns:
            columns[row["status"]].append(row)
    return page(
        "incident_board.html",
        columns=columns,
        now=now,
        may_report=bool(allowed(["report_incident"])),
    )


@bp.route("/incidents/new", methods=["POST"], endpoint="report_incident")
def report() -> BaseResponse | tuple[str, int]:
    """Report an incident; on success, its page."""
    try:
        args = read_form(ReportIncidentIn, request.form)
        incident = ledger().report_incident(actor=current_actor(), **args)
    except FormError as error:
        return page("refused.html", 422, reason="form", detail=str(error))
    except DomainError as error:
        return page("refused.html", 409, reason="ledger", detail=str(error))
    request_state().presented = f"incident:{incident.id}:{incident.version}"
    return redirect(url_for("console.incident", incident=incident.reference), 303)


def _reveal(value: Personal, kind: str, field: str) -> str | None:
    return show(value, kind, field)


def review_of(iid: UUID) -> dict[str, Any]:
    """The review document as the caller may read it (as `GET /v1/incidents/<id>/review`)."""
    app = ledger()
    return build_review(
        app,
        iid,
        reveal=_reveal,
        now=app.clock.now(),
        records=request_state().records,
        scope=caller_scope(),
    )


# Offered elsewhere: on the review editor, or per action item in its table.
_NOT_ON_PAGE = frozenset(
    {
        "review_editor",
        "incident_review_save",
        "incident_add_item",
        "incident_item_complete",
        "incident_item_verify",
        "incident_item_waive",
    }
)


def _dated(review: dict[str, Any]) -> dict[str, Any]:
    """The review's ISO moments as datetimes again, for the page to show in the reader's zone."""

    def moment(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text) if text else None

    for phase in review["phases"]:
        for key in ("from", "to", "deadline"):
            phase[key] = moment(phase[key])
    for rows, keys in ((review["roles"], ("from", "until")), (review["level_changes"], ("at",))):
        for found in rows:
            for key in keys:
                found[key] = moment(found[key])
    return review


def incident_page(
    iid: UUID,
    status: int = 200,
    *,
    template: str = "incident.html",
    refused: str | None = None,
    errors: dict[str, str] | None = None,
    form: MultiDict[str, str] | None = None,
) -> tuple[str, int]:
    """The incident page (or its review editor) with the actions the caller may take."""
    incident = load("incident", iid)
    staff = current_app.extensions["notifications"].directory.all()
    actions = allowed([*INCIDENT_ACTIONS, "review_editor"])
    return page(
        template,
        status,
        incident=incident_body(incident),
        review=_dated(review_of(iid)),
        actions=actions,
        offered=actions - _NOT_ON_PAGE,
        refused=refused,
        errors=errors or {},
        form=form or MultiDict(),
        levels=LEVELS,
        entry_kinds=ENTRY_KINDS,
        milestones=MILESTONES,
        departments=ledger().policy.departments,
        staff=staff,
        now=ledger().clock.now(),
    )


@bp.route("/incidents/<string:incident>", methods=["GET"], endpoint="incident")
def incident_view(incident: str) -> tuple[str, int]:
    """The incident page."""
    return incident_page(incident_id(incident))


@bp.route("/incidents/<string:incident>/review/edit", methods=["GET"], endpoint="review_editor")
def review_editor(incident: str) -> tuple[str, int]:
    """The review editor: contributing factors, what went well or not, action items."""
    return incident_page(incident_id(incident), template="incident_review_editor.html")


@bp.route("/incidents/<string:incident>/review.html", methods=["GET"], endpoint="incident_review")
def review_document(incident: str) -> Response:
    """The printable review document, opened in the browser with the session."""
    response = Response(render_html(review_of(incident_id(incident))), mimetype="text/html")
    # Self-contained (inline style, a data: chart), no script: the API's own policy for it.
    response.headers["Content-Security-Policy"] = REVIEW_CSP
    return response


_EDITOR_ACTIONS = {"incident_review_save", "incident_add_item"}


def _act(action: IncidentAction) -> Any:
    def view(incident: str, item: str | None = None) -> BaseResponse | tuple[str, int]:
        iid = incident_id(incident)
        editor = action.name in _EDITOR_ACTIONS
        template = "incident_review_editor.html" if editor else "incident.html"
        try:
            args = read_form(action.schema, request.form)
            if item is not None:
                args["item_id"] = item
            action.call(ledger(), iid, current_actor(), args)
        except FormError as error:
            return incident_page(
                iid, 422, template=template, errors=error.fields, form=request.form
            )
        except InvalidValueError as error:  # a value no state takes (an owner nobody knows)
            errors = {error.field or "form": str(error)}
            return incident_page(iid, 422, template=template, errors=errors, form=request.form)
        except (DomainError, ConcurrencyError) as error:
            # Refused by what is stored now; beside its field too when it names one (an owner).
            field = getattr(error, "field", None)
            return incident_page(
                iid,
                409,
                template=template,
                refused=str(error),
                errors={field: str(error)} if field else None,
                form=request.form,
            )
        target = "console.review_editor" if editor else "console.incident"
        return redirect(url_for(target, incident=incident), 303)

    view.__name__ = action.name
    view.__doc__ = f"Take the incident action '{action.path}'."
    return view


for _action in INCIDENT_ACTIONS.values():
    _rule = (
        f"/incidents/<string:incident>/action-items/<string:item>/{_action.path}"
        if _action.on_item
        else f"/incidents/<string:incident>/{_action.path}"
    )
    bp.add_url_rule(_rule, endpoint=_action.name, view_func=_act(_action), methods=["POST"])
