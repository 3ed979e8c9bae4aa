"""The one place where a request's caller is resolved into an `Actor`.

Until access control lands (bearer tokens, roles, department scoping), the caller names itself
in headers. Every endpoint takes its actor from `current_actor()`, so replacing this resolver
replaces identity everywhere, and the body of a request can never claim to be someone else.
"""

import re

from flask import Response, g, request

from api.problems import problem
from ledger.values import ROLES, Actor

_STAFF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_DEPARTMENT = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
HOW_TO_IDENTIFY = (
    "send X-Staff-Id (your staff id) and X-Staff-Role "
    f"({', '.join(r for r in ROLES if r != 'system')}), optionally X-Staff-Department"
)


def resolve_actor() -> Response | None:
    """Before each /v1 request: resolve the caller or answer 401."""
    staff_id = request.headers.get("X-Staff-Id", "")
    role = request.headers.get("X-Staff-Role", "")
    department = request.headers.get("X-Staff-Department") or None
    if not staff_id or not role:
        return problem(
            401,
            "Unauthorized",
            f"Identify yourself: {HOW_TO_IDENTIFY}.",
            headers={"WWW-Authenticate": 'Staff realm="ledger"'},
        )
    if not _STAFF_ID.match(staff_id):
        return problem(401, "Unauthorized", "X-Staff-Id is malformed.", field="X-Staff-Id")
    if role not in ROLES or role == "system":
        return problem(
            401, "Unauthorized", "X-Staff-Role is not a known role.", field="X-Staff-Role"
        )
    if department is not None and not _DEPARTMENT.match(department):
        return problem(
            401, "Unauthorized", "X-Staff-Department is malformed.", field="X-Staff-Department"
        )
    g.actor = Actor(staff_id=staff_id, role=role, department=department)
    return None


def current_actor() -> Actor:
    actor: Actor = g.actor
    return actor


def require_role(*roles: str) -> None:
    """Refuse (403) a caller whose role is not among `roles`.

    A stopgap for the few endpoints that are dangerous to leave open until the policy table of
    access control replaces it.
    """
    if current_actor().role not in roles:
        from werkzeug.exceptions import Forbidden

        raise Forbidden(f"only {', '.join(roles)} may do this")
