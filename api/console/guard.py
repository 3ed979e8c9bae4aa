"""Before every console request: the session, its expiry, CSRF, the second factor, the policy.

The order: a static file passes; otherwise the session comes from its cookie (an expired one is
ended and treated as none); every POST must carry the session's CSRF token (400 otherwise, even
for sign-in, which carries the anonymous session's); pages outside sign-in need a signed-in
session (else a redirect to sign-in, which comes back here) whose token is still active; then the
view is judged by `ledger.access.policy.decide`, exactly as `api.http.access.guard` judges an API
request: 403, or 404 for a record outside the caller's scope. The caller then acts in the role
the table allowed. Every request but a static file is recorded in the operation log.
"""

import hmac
from typing import Final
from urllib.parse import urlsplit
from uuid import uuid4

from flask import abort, g, redirect, request, url_for
from werkzeug.wrappers import Response

from api.console.blueprint import bp, console, page
from api.console.sessions import ConsoleSession
from api.http.access import access_control, authorise
from api.http.request_facts import RequestFacts
from api.http.request_state import request_state
from ledger.values import Actor

# Reached without signing in (sign-in itself, the language and time zone of the sign-in page).
PUBLIC: Final = frozenset({"console.sign_in", "console.preferences"})
# Reached while the second factor is still owed.
FACTOR: Final = frozenset({"console.second_factor", "console.sign_out"})
# Acts on the session itself, not on a record: no row in the policy table.
SESSION_ONLY: Final = frozenset(
    {"console.sign_out", "console.preferences", "console.second_factor"}
)


def _session() -> ConsoleSession | None:
    session_id = request.cookies.get("ledger_console", "")
    found = console().sessions.find(session_id) if session_id else None
    if found is None:
        return None
    c = console()
    now = request_state().ledger.clock.now()
    if found.expired(now, idle=c.idle, absolute=c.absolute):
        c.sessions.end(found)
        return None
    c.sessions.touch(found, now)
    return found


def csrf_valid(session: ConsoleSession | None) -> bool:
    supplied = request.form.get("csrf", "")
    return session is not None and hmac.compare_digest(supplied.encode(), session.csrf.encode())


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a console path on this host only (never an open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/console/"):
            return target
    return url_for("console.home")


def _to_sign_in() -> Response:
    wanted = request.full_path if request.method == "GET" else None
    return redirect(url_for("console.sign_in", next=wanted), 303)


@bp.before_request
def guard() -> Response | tuple[str, int] | None:
    """Run before every console view (see the module docstring)."""
    if request.endpoint == "console.static":
        return None
    state = request_state()
    state.request_id = uuid4().hex
    session = _session()
    g.console_session = session
    if request.method == "POST" and not csrf_valid(session):
        return page("refused.html", 400, reason="csrf")
    if request.endpoint in PUBLIC:
        return None
    if session is None or session.principal is None:
        return _to_sign_in()
    principal = session.principal
    token = access_control().tokens.get(principal.token_id or "")
    if token is None or token.state(state.ledger.clock.now()) != "active":
        console().sessions.end(session)  # a revoked or expired token ends its sessions
        g.console_session = None
        return _to_sign_in()
    state.token_id = principal.token_id
    state.actor = Actor(principal.staff_id, principal.roles[0], principal.department)
    if not session.signed_in:
        if request.endpoint in FACTOR:
            return None
        return redirect(url_for("console.second_factor"), 303)
    if request.endpoint in SESSION_ONLY:
        state.decision = "allowed"
        return None
    if request.routing_exception is not None:
        abort(404)
    facts = RequestFacts(state.ledger, request.view_args or {}, records=state.records)
    if not authorise(state, facts, principal.staff_id, principal.roles, principal.department):
        return page("refused.html", 403, reason="forbidden")
    return None
