"""Administration, for administrators only (the policy table's rows for tokens, staff and
webhooks): issue tokens under the two-person rule, approve and revoke them; the staff directory;
webhook subscriptions, whose secret is taken and never shown back.

Each form is read by the API endpoint's request schema and calls what that endpoint calls; a
token's secret is on the one page that answers its issue, never stored for a replay.
"""

from dataclasses import asdict
from typing import Any
from uuid import UUID

from flask import current_app, redirect, request, url_for
from werkzeug.wrappers import Response

from api.console.blueprint import bp, page
from api.console.forms import FormError, read_form
from api.http.access import access_control
from api.http.identity import current_actor
from api.http.presenters import ledger
from api.http.request_state import request_state
from api.http.routes.staff import directory
from api.http.routes.tokens import issue_for_caller, token_body
from api.http.routes.webhooks import subscribe_from, subscriptions
from api.http.schemas.access import IssueTokenIn
from api.http.schemas.notifications import StaffIn, WebhookIn
from ledger.access.issuing import InvalidFieldError
from ledger.errors import DomainError, NotFoundError
from ledger.policy.notification_policy import TRIGGERS
from ledger.staff.directory import StaffMember
from ledger.values import ROLES

_STAFF_ID = "staff_id"


def _tokens_page(status: int = 200, **context: Any) -> tuple[str, int]:
    now = ledger().clock.now()
    tokens = [token_body(t, now) for t in access_control().tokens.all_tokens()]
    return page(
        "admin_tokens.html",
        status,
        tokens=tokens,
        roles=ROLES,
        departments=ledger().policy.departments,
        two_person_rule=bool(current_app.extensions["two_person_rule"]),
        form=request.form,
        errors=context.pop("errors", {}),
        **context,
    )


@bp.route("/admin/tokens", methods=["GET"], endpoint="admin_tokens")
def tokens() -> tuple[str, int]:
    """Every token, without secrets, and the form to issue one."""
    return _tokens_page()


@bp.route("/admin/tokens", methods=["POST"], endpoint="admin_issue_token")
def issue() -> tuple[str, int]:
    """Issue a token; its secret is shown on this page only."""
    now = ledger().clock.now()
    try:
        token, secret = issue_for_caller(read_form(IssueTokenIn, request.form), now)
    except FormError as error:
        return _tokens_page(422, errors=error.fields)
    except InvalidFieldError as error:
        return _tokens_page(422, errors={error.field or "token": str(error)})
    return _tokens_page(201, issued=token_body(token, now), secret=secret)


@bp.route("/admin/tokens/<string:token_id>/approve", methods=["POST"], endpoint="admin_approve")
def approve(token_id: str) -> Response | tuple[str, int]:
    """Approve a pending token: a second administrator, neither its issuer nor its holder."""
    try:
        access_control().tokens.approve(
            token_id,
            by=current_actor().staff_id,
            token_used=request_state().token_id,
            now=ledger().clock.now(),
        )
    except DomainError as error:
        if isinstance(error, NotFoundError):
            raise
        return _tokens_page(409, refused=str(error))
    return redirect(url_for("console.admin_tokens"), 303)


@bp.route("/admin/tokens/<string:token_id>/revoke", methods=["POST"], endpoint="admin_revoke")
def revoke(token_id: str) -> Response:
    """Revoke a token: its sessions end at their next request."""
    revoked = access_control().tokens.revoke(
        token_id,
        by=current_actor().staff_id,
        token_used=request_state().token_id,
        now=ledger().clock.now(),
    )
    if revoked is None:
        raise NotFoundError("no token with that id")
    return redirect(url_for("console.admin_tokens"), 303)


def _staff_page(status: int = 200, **context: Any) -> tuple[str, int]:
    return page(
        "admin_staff.html",
        status,
        staff=[asdict(m) for m in directory().all()],
        roles=ROLES,
        departments=ledger().policy.departments,
        form=request.form,
        errors=context.pop("errors", {}),
        **context,
    )


@bp.route("/admin/staff", methods=["GET"], endpoint="admin_staff")
def staff() -> tuple[str, int]:
    """The staff directory, and the form to add or replace a member."""
    return _staff_page()


@bp.route("/admin/staff", methods=["POST"], endpoint="admin_put_staff")
def put_staff() -> Response | tuple[str, int]:
    """Add or replace a member of staff."""
    staff_id = request.form.get(_STAFF_ID, "").strip()
    if not 1 <= len(staff_id) <= 64:
        return _staff_page(422, errors={_STAFF_ID: "1 to 64 characters"})
    try:
        args = read_form(StaffIn, request.form)
        directory().put(StaffMember(staff_id=staff_id, **args))
    except FormError as error:
        return _staff_page(422, errors=error.fields)
    except DomainError as error:
        return _staff_page(422, errors={error.field or _STAFF_ID: str(error)})
    return redirect(url_for("console.admin_staff"), 303)


@bp.route("/admin/staff/<string:staff_id>/remove", methods=["POST"], endpoint="admin_remove_staff")
def remove_staff(staff_id: str) -> Response:
    """Remove a member of staff (their past notices keep naming their staff id)."""
    if not directory().remove(staff_id):
        raise NotFoundError("no member of staff with that id")
    return redirect(url_for("console.admin_staff"), 303)


def _webhooks_page(status: int = 200, **context: Any) -> tuple[str, int]:
    return page(
        "admin_webhooks.html",
        status,
        webhooks=subscriptions().all(),
        kinds=TRIGGERS,
        departments=ledger().policy.departments,
        form=request.form,
        errors=context.pop("errors", {}),
        **context,
    )


@bp.route("/admin/webhooks", methods=["GET"], endpoint="admin_webhooks")
def webhooks() -> tuple[str, int]:
    """Every webhook subscription, without secrets, and the form to add one."""
    return _webhooks_page()


@bp.route("/admin/webhooks", methods=["POST"], endpoint="admin_subscribe")
def subscribe() -> Response | tuple[str, int]:
    """Subscribe a URL; the secret is sealed and never shown again."""
    try:
        subscribe_from(read_form(WebhookIn, request.form))
    except FormError as error:
        return _webhooks_page(422, errors=error.fields)
    except DomainError as error:
        return _webhooks_page(422, errors={error.field or "url": str(error)})
    return redirect(url_for("console.admin_webhooks"), 303)


@bp.route(
    "/admin/webhooks/<uuid:subscription_id>/remove",
    methods=["POST"],
    endpoint="admin_unsubscribe",
)
def unsubscribe(subscription_id: UUID) -> Response:
    """Remove a subscription; its pending notifications fail and are dead-lettered."""
    if not subscriptions().remove(subscription_id):
        raise NotFoundError("no webhook subscription with that id")
    return redirect(url_for("console.admin_webhooks"), 303)
