"""Webhook subscriptions, managed by administrators. The signing secret is taken, sealed and
never shown again."""

from typing import Any
from uuid import UUID

from flask import current_app

from api.http.blueprint import Blueprint
from api.http.identity import current_actor
from api.http.presenters import ledger
from api.http.problem_docs import problems
from api.http.problems import problem
from api.http.schemas.notifications import WebhookIn, WebhookListOut, WebhookOut
from ledger.errors import DomainError, NotFoundError
from ledger.notifications.subscriptions import Subscription, Subscriptions

blp = Blueprint(
    "webhooks", __name__, url_prefix="/v1/webhooks", description="Webhook subscriptions"
)


def subscriptions() -> Subscriptions:
    found: Subscriptions = current_app.extensions["notifications"].subscriptions
    return found


def _body(sub: Subscription) -> dict[str, Any]:
    return {
        "id": sub.subscription_id,
        "url": sub.url,
        "kinds": list(sub.kinds),
        "departments": list(sub.departments),
        "created_at": sub.created_at,
        "created_by": sub.created_by,
    }


def subscribe_from(args: dict[str, Any]) -> Subscription:
    """Subscribe as `args` (a `WebhookIn`) say, on the caller's authority; a department the
    policy does not know, or a refused secret or URL, is a `DomainError` naming the field."""
    known = ledger().policy.departments
    unknown = [d for d in args["departments"] if d not in known]
    if unknown:
        raise DomainError(f"unknown department {unknown[0]}", field="departments")
    return subscriptions().add(
        url=args["url"],
        secret=args["secret"],
        kinds=tuple(args["kinds"]),
        departments=tuple(args["departments"]),
        at=ledger().clock.now(),
        by=current_actor().staff_id,
    )


@blp.route("", methods=["POST"], endpoint="subscribe")
@blp.arguments(WebhookIn)
@blp.response(201, WebhookOut)
@problems(blp, 422)
def subscribe(args: dict[str, Any]) -> Any:
    """Subscribe a URL to notifications (Standard Webhooks, signed with the given secret)"""
    try:
        sub = subscribe_from(args)
    except DomainError as error:
        return problem(422, "invalid-request", str(error), field=error.field)
    return _body(sub), 201


@blp.route("", methods=["GET"], endpoint="list_webhooks")
@blp.response(200, WebhookListOut)
@problems(blp)
def list_webhooks() -> Any:
    """Every subscription, without secrets"""
    return {"webhooks": [_body(s) for s in subscriptions().all()]}


@blp.route("/<uuid:subscription_id>", methods=["DELETE"], endpoint="unsubscribe")
@blp.response(204)
@problems(blp, 404)
def unsubscribe(subscription_id: UUID) -> Any:
    """Remove a subscription; its pending notifications fail and are dead-lettered"""
    if not subscriptions().remove(subscription_id):
        raise NotFoundError("no webhook subscription with that id")
    return "", 204
