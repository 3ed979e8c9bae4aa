"""The console's languages (English, Simplified Chinese) and time zones, and how times render.

The language is the session's choice, else the best match of `Accept-Language`; the time zone is
the session's (UTC until the user picks one). A moment renders in that zone, inside a `<time>`
element whose `title` gives it in UTC, so hovering shows the stored instant.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from flask import Flask, g, request
from flask_babel import Babel, format_datetime, format_timedelta, get_locale
from markupsafe import Markup, escape

# Catalogue name -> the language tags of Accept-Language it answers.
LANGUAGES: Final = ("en", "zh_Hans")
_TAGS: Final = {"en": "en", "zh": "zh_Hans"}
TRANSLATIONS: Final = Path(__file__).parent / "translations"


def _session_value(name: str) -> str | None:
    session = g.get("console_session")
    value: str | None = getattr(session, name, None) if session is not None else None
    return value


def select_locale() -> str:
    if chosen := _session_value("language"):
        return chosen
    best = request.accept_languages.best_match(list(_TAGS)) if request else None
    return _TAGS.get(best or "en", "en")


def select_timezone() -> str:
    return _session_value("timezone") or "UTC"


def when(moment: datetime | None) -> Markup:
    """A moment in the user's zone, with the UTC instant in `title` and `datetime`."""
    if moment is None:
        return Markup("&mdash;")
    utc = moment.astimezone(UTC)
    stamp = utc.isoformat().replace("+00:00", "Z")
    shown = format_datetime(moment, "medium")
    title = utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        escape(stamp), escape(title), escape(shown)
    )


def duration(seconds: float | None) -> str:
    """A span of time in words, in the user's language ("3 hours")."""
    if seconds is None:
        return "\u2014"
    return str(format_timedelta(timedelta(seconds=seconds), threshold=1.5))


def install(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.globals["get_locale"] = get_locale
