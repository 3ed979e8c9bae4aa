"""Bearer tokens, issued, approved, listed and revoked by administrators (also `ledger tokens`).

Each is a grant in the ledger (`ledger.access.grants`); under the two-person rule a token with a
guarded role is pending until a second administrator approves it.
"""

from datetime import datetime
from typing import Any

from flask import current_app

from api.http.access import access_control
from api.http.blueprint import Blueprint
from api.http.identity import current_actor
from api.http.presenters import ledger
from api.http.problem_docs import problems
from api.http.problems import problem
from api.http.request_state import request_state
from api.http.schemas.access import IssuedTokenOut, IssueTokenIn, TokenListOut, TokenOut
from ledger.access.issuing import InvalidFieldError, issue_token
from ledger.access.tokens import TokenInfo
from ledger.errors import NotFoundError

blp = Blueprint("tokens", __name__, url_prefix="/v1/tokens", description="Access tokens")


def token_body(token: TokenInfo, now: datetime) -> dict[str, Any]:
    p = token.principal
    return {
        "id": token.token_id,
        "staff_id": p.staff_id,
        "name": p.name,
        "roles": list(p.roles),
        "department": p.department,
        "state": token.state(now),
        "created_at": token.created_at,
        "created_by": token.created_by,
        "approved_by": token.approved_by,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "revoked_by": token.revoked_by,
    }


def issue_for_caller(args: dict[str, Any], now: datetime) -> tuple[TokenInfo, str]:
    """Issue the token `args` (an `IssueTokenIn`) describe, on the caller's authority; the answer
    holds its secret, so it is never kept for a replay. Refusals are `DomainError`s."""
    token, secret = issue_token(
        access_control().tokens,
        staff_id=args["staff_id"],
        roles=tuple(args["roles"]),
        department=args.get("department"),
        name=args.get("name"),
        expires_in=args["expires_in"],
        now=now,
        created_by=current_actor().staff_id,
        issued_with=request_state().token_id,
        two_person_rule=bool(current_app.extensions["two_person_rule"]),
        departments=ledger().policy.departments,
    )
    request_state().answer_holds_secret = True
    return token, secret


@blp.route("", methods=["POST"], endpoint="issue")
@blp.arguments(IssueTokenIn)
@blp.response(201, IssuedTokenOut)
@problems(blp, 409, 422)
def issue(args: dict[str, Any]) -> Any:
    """Issue a token for a member of staff; its secret is in this response only"""
    now = ledger().clock.now()
    try:
        token, secret = issue_for_caller(args, now)
    except InvalidFieldError as error:
        return problem(422, "invalid-request", str(error), field=error.field)
    return token_body(token, now) | {"token": secret}, 201


@blp.route("", methods=["GET"], endpoint="list_tokens")
@blp.response(200, TokenListOut)
@problems(blp)
def list_tokens() -> Any:
    """Every token, oldest first, without secrets"""
    now = ledger().clock.now()
    return {"tokens": [token_body(t, now) for t in access_control().tokens.all_tokens()]}


@blp.route("/<string:token_id>", methods=["DELETE"], endpoint="revoke")
@blp.response(200, TokenOut)
@problems(blp, 404)
def revoke(token_id: str) -> Any:
    """Revoke a token: the next request that presents it is refused"""
    now = ledger().clock.now()
    token = access_control().tokens.revoke(
        token_id, by=current_actor().staff_id, token_used=request_state().token_id, now=now
    )
    if token is None:
        raise NotFoundError("no token with that id")
    return token_body(token, now)


@blp.route("/<string:token_id>/approve", methods=["POST"], endpoint="approve")
@blp.response(200, TokenOut)
@problems(blp, 404, 409)
def approve(token_id: str) -> Any:
    """Approve a pending token: a second administrator, neither its issuer nor its holder"""
    now = ledger().clock.now()
    token = access_control().tokens.approve(
        token_id, by=current_actor().staff_id, token_used=request_state().token_id, now=now
    )
    return token_body(token, now)
