"""The web console: server-rendered pages over the same application, read side, access table,
audit log and masking as the API (docs/console.md)."""

import logging
from datetime import timedelta

from flask import Flask

from api.config import Settings
from api.console import (  # noqa: F401  (their views join the blueprint)
    admin,
    audit,
    case_work,
    cases,
    home,
    i18n,
    incidents,
    lists,
    permits,
    privacy,
    reports,
    signin,
)
from api.console.blueprint import Console, bp, page
from api.console.second_factor import SecondFactors
from api.console.sessions import SessionStore
from ledger.errors import NotFoundError
from ledger.store.availability import is_unavailable

log = logging.getLogger(__name__)


@bp.errorhandler(NotFoundError)
def _not_found(_: NotFoundError) -> tuple[str, int]:
    # Outside the caller's scope reads exactly as not there at all.
    return page("refused.html", 404, reason="not_found")


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> tuple[str, int]:
    if is_unavailable(getattr(error, "original_exception", None) or error):
        return page("refused.html", 503, reason="unavailable")
    code = getattr(error, "code", None)
    if isinstance(code, int) and 400 <= code < 500:
        return page("refused.html", code, reason="http")
    log.exception("console: unexpected error")
    return page("refused.html", 500, reason="unexpected")


def install(app: Flask, settings: Settings) -> None:
    """Add the console to the app: its stores, languages and blueprint, at /console/."""
    ledger = app.extensions["ledger"]
    datastore = ledger.recorder.datastore
    app.extensions["console"] = Console(
        sessions=SessionStore(datastore),
        factors=SecondFactors(datastore, ledger.keys.keyring),
        idle=timedelta(minutes=settings.console_idle_minutes),
        absolute=timedelta(hours=settings.console_absolute_hours),
        second_factor=settings.console_second_factor,
        behind_tls=settings.public_url.startswith("https://"),
    )
    i18n.install(app)
    permits.install(app)
    app.register_blueprint(bp)


__all__ = ["install"]
