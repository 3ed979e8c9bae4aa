"""Signing in with a staff token (and a second factor where configured), out, and preferences."""

from zoneinfo import available_timezones

from flask import g, make_response, redirect, request, url_for
from werkzeug.wrappers import Response

from api.console.blueprint import bp, clear_cookie, console, current_session, page, set_cookie
from api.console.guard import safe_next
from api.console.i18n import LANGUAGES
from api.console.sessions import ConsoleSession
from api.http.access import access_control
from api.http.identity import Rejected
from api.http.request_state import request_state
from ledger.access.policy import GUARDED_ROLES
from ledger.access.tokens import Principal
from ledger.values import Actor


def _fresh_anonymous() -> tuple[str, ConsoleSession]:
    c = console()
    now = request_state().ledger.clock.now()
    c.sessions.purge(idle_since=now - c.idle, started_before=now - c.absolute)
    old = current_session()
    return c.sessions.start(
        now=now,
        language=old.language if old else None,
        timezone=old.timezone if old else "UTC",
    )


def _sign_in_form(status: int = 200, error: str | None = None) -> Response:
    session = current_session()
    session_id = None
    if session is None or session.principal is not None:
        session_id, session = _fresh_anonymous()
        g.console_session = session
    body, code = page("sign_in.html", status, error=error, next=request.args.get("next", ""))
    response = make_response(body, code)
    if session_id is not None:
        set_cookie(response, session_id)
    return response


def _needs_factor(principal: Principal) -> bool:
    return console().second_factor and any(r in GUARDED_ROLES for r in principal.roles)


@bp.route("/sign-in", methods=["GET", "POST"], endpoint="sign_in")
def sign_in() -> Response:
    """The sign-in form; a token that opens a session starts a new one (new id, new CSRF)."""
    session = current_session()
    if request.method == "GET":
        if session is not None and session.signed_in:
            return redirect(url_for("console.home"), 303)
        return _sign_in_form()
    state = request_state()
    now = state.ledger.clock.now()
    access = access_control()
    address = request.remote_addr or "unknown"
    if access.limiter.retry_after(address, now) is not None:
        return _sign_in_form(429, error="throttled")
    found = access.authenticate(request.form.get("token", "").strip(), now=now)
    if isinstance(found, Rejected):
        access.limiter.failed(address, now)
        return _sign_in_form(401, error="invalid")
    c = console()
    factor = "none"
    if _needs_factor(found):
        factor = "needed" if c.factors.enrolled(found.staff_id) else "enrolling"
    if session is not None:
        c.sessions.end(session)  # the id the browser had before signing in is dead now
    session_id, new = c.sessions.start(
        now=now,
        principal=found,
        factor=factor,
        language=session.language if session else None,
        timezone=session.timezone if session else "UTC",
    )
    g.console_session = new
    state.actor = Actor(found.staff_id, found.roles[0], found.department)
    state.token_id = found.token_id
    state.decision = "allowed"
    target = (
        url_for("console.second_factor")
        if factor != "none"
        else safe_next(request.form.get("next"))
    )
    response = redirect(target, 303)
    set_cookie(response, session_id)
    return response


@bp.route("/second-factor", methods=["GET", "POST"], endpoint="second_factor")
def second_factor() -> Response | tuple[str, int]:
    """Enrol (the otpauth URI shown once) or give the current TOTP code."""
    session = current_session()
    if session is None or session.principal is None:  # the guard sends these to sign-in
        return redirect(url_for("console.sign_in"), 303)
    if session.factor not in ("needed", "enrolling"):
        return redirect(url_for("console.home"), 303)
    c = console()
    staff_id = session.principal.staff_id
    if request.method == "POST":
        now = request_state().ledger.clock.now()
        # Bad codes count with bad tokens, per address and per staff member (a six-digit code
        # falls to guessing far sooner than a token does, from however many addresses).
        limiter = access_control().limiter
        keys = (request.remote_addr or "unknown", f"second-factor:{staff_id}")
        if any(limiter.retry_after(key, now) is not None for key in keys):
            request_state().decision = "refused"
            return page("second_factor.html", 429, uri=None, error="throttled")
        if c.factors.verify(staff_id, request.form.get("code", "").strip(), now=now):
            c.sessions.set(session, factor="passed")
            return redirect(url_for("console.home"), 303)
        for key in keys:
            limiter.failed(key, now)
        request_state().decision = "refused"
        return page("second_factor.html", 401, uri=None, error="invalid")
    uri = None
    if session.factor == "enrolling":
        uri = c.factors.begin_enrolment(staff_id, f"{staff_id}")
    return page("second_factor.html", uri=uri, error=None)


@bp.route("/sign-out", methods=["POST"], endpoint="sign_out")
def sign_out() -> Response:
    """End the session (its row is deleted) and clear the cookie."""
    session = current_session()
    if session is not None:
        console().sessions.end(session)
    response = redirect(url_for("console.sign_in"), 303)
    clear_cookie(response)
    return response


@bp.route("/preferences", methods=["POST"], endpoint="preferences")
def preferences() -> Response | tuple[str, int]:
    """Set the session's language and time zone (also before signing in)."""
    session = current_session()
    if session is None:  # a POST without a session failed the CSRF check already
        return page("refused.html", 400, reason="csrf")
    language = request.form.get("language") or session.language
    timezone = request.form.get("timezone") or session.timezone
    if language not in (None, *LANGUAGES) or timezone not in available_timezones() | {"UTC"}:
        return page("refused.html", 422, reason="preferences")
    console().sessions.set(session, language=language, timezone=timezone)
    request_state().decision = "allowed"
    return redirect(safe_next(request.form.get("back")), 303)
