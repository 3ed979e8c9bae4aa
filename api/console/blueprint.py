"""The console's blueprint, what it holds per app, and the headers every page carries."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, g, render_template, request
from werkzeug.wrappers import Response

from api.console.second_factor import SecondFactors
from api.console.sessions import ConsoleSession, SessionStore

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
)

COOKIE = "ledger_console"
# No inline script or style, nothing from another origin, no framing, forms post only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


@dataclass(frozen=True)
class Console:
    """The console's pieces in one app: its stores and its settings."""

    sessions: SessionStore
    factors: SecondFactors
    idle: timedelta
    absolute: timedelta
    second_factor: bool  # TOTP for the roles that reveal or destroy personal data
    behind_tls: bool  # the public URL is https: cookies are Secure whatever the hop says


def console() -> Console:
    found: Console = current_app.extensions["console"]
    return found


def current_session() -> ConsoleSession | None:
    """The session this request came with (after the guard's checks), if any."""
    found: ConsoleSession | None = g.get("console_session")
    return found


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a console page (templates/console/<template>) with the session in its context."""
    return render_template(f"console/{template}", session=current_session(), **context), status


def set_cookie(response: Response, session_id: str) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        path=bp.url_prefix or "/",
        httponly=True,
        samesite="Strict",
        secure=request.is_secure or console().behind_tls,
    )


def clear_cookie(response: Response) -> None:
    response.delete_cookie(
        COOKIE,
        path=bp.url_prefix or "/",
        httponly=True,
        samesite="Strict",
        secure=request.is_secure or console().behind_tls,
    )


@bp.after_request
def _security_headers(response: Response) -> Response:
    # A view may set a stricter policy of its own (the printable review: no script at all).
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if request.endpoint != "console.static":
        # Pages show personal data and the CSRF token: never from a cache, never the back button.
        response.headers["Cache-Control"] = "no-store"
    return response
