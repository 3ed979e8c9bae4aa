"""Bearer tokens, issued, listed and revoked by administrators (also `ledger tokens`)."""

from datetime import datetime, timedelta
from typing import Any

from flask_smorest import Blueprint

from api.http.access import access_control
from api.http.identity import current_actor
from api.http.presenters import ledger
from api.http.problem_docs import problems
from api.http.request_state import request_state
from api.http.schemas.access import IssuedTokenOut, IssueTokenIn, TokenListOut, TokenOut
from ledger.access.policy import ROLES
from ledger.access.tokens import Principal, TokenError, TokenInfo, TokenStore
from ledger.errors import DomainError, NotFoundError
from ledger.policy.service_policy import parse_duration

MAX_LIFETIME = timedelta(days=366)

blp = Blueprint("tokens", __name__, url_prefix="/v1/tokens", description="Access tokens")


def issue_token(
    tokens: TokenStore,
    *,
    staff_id: str,
    roles: tuple[str, ...],
    department: str | None,
    name: str | None,
    expires_in: str,
    now: datetime,
    created_by: str,
) -> tuple[TokenInfo, str]:
    """Issue a token; department staff must name their department. Refusals are DomainErrors."""
    if "department_staff" in roles and not department:
        raise DomainError("department staff need a department", field="department")
    try:
        lifetime = parse_duration(expires_in, where="expires")
    except OverflowError:
        lifetime = MAX_LIFETIME * 2
    if lifetime > MAX_LIFETIME:
        raise DomainError(
            f"a token lives at most {MAX_LIFETIME.days} days; issue a new one then",
            field="expires_in",
        )
    try:
        return tokens.issue(
            Principal(staff_id=staff_id, name=name or staff_id, roles=roles, department=department),
            known_roles=ROLES,
            now=now,
            expires_at=now + lifetime,
            created_by=created_by,
        )
    except TokenError as error:
        raise DomainError(str(error)) from None


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
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "revoked_by": token.revoked_by,
    }


@blp.route("", methods=["POST"], endpoint="issue")
@blp.arguments(IssueTokenIn)
@blp.response(201, IssuedTokenOut)
@problems(blp, 409, 422)
def issue(args: dict[str, Any]) -> Any:
    """Issue a token for a member of staff; its secret is in this response only"""
    now = ledger().clock.now()
    token, secret = issue_token(
        access_control().tokens,
        staff_id=args["staff_id"],
        roles=tuple(args["roles"]),
        department=args.get("department"),
        name=args.get("name"),
        expires_in=args["expires_in"],
        now=now,
        created_by=current_actor().staff_id,
    )
    request_state().answer_holds_secret = True
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
    token = access_control().tokens.revoke(token_id, now=now, revoked_by=current_actor().staff_id)
    if token is None:
        raise NotFoundError("no token with that id")
    return token_body(token, now)
