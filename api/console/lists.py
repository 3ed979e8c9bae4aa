"""Lists: cases, incidents, handoffs and escalations, with filters, sorting and cursor pages,
and a CSV file of the page shown.

Each list *is* the API's list: its query is read by the API endpoint's query schema and the
API's own view function (unwrapped from its decorators) builds the page, with its scoping, its
sealed cursors and its `next` link, which, built from this request, points back here. The CSV
file is asked for by POSTing the page's own URL (so its cursor, bound to this path and these
filters, still opens, and the download carries the CSRF token); it holds the columns shown and
nothing else. No list shows personal data.
"""

import csv
import inspect
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Response, request
from flask_babel import lazy_gettext as _
from marshmallow import Schema, fields

from api.console.blueprint import bp, page
from api.console.forms import FormError, read_form
from api.http.routes import cases, worklists
from api.http.schemas.read import CaseListQuery
from api.http.schemas.worklists import EscalationListQuery, HandoffListQuery, IncidentListQuery

Column = tuple[str, Any]  # the row's key, its heading


@dataclass(frozen=True)
class Listing:
    """One list: the API view that builds its pages, the query schema, what it shows."""

    name: str
    title: Any
    view: Callable[[dict[str, Any]], Any]
    query: type[Schema]
    columns: tuple[Column, ...]
    link: str | None = None  # the key naming the case page a row links to


def _api(view: Callable[..., Any]) -> Callable[[dict[str, Any]], Any]:
    found: Callable[[dict[str, Any]], Any] = inspect.unwrap(view)
    return found


LISTS: Mapping[str, Listing] = {
    "cases": Listing(
        "cases",
        _("Cases"),
        _api(cases.list_complaints),
        CaseListQuery,
        (
            ("reference", _("Reference")),
            ("status", _("Status")),
            ("department", _("Department")),
            ("owner", _("Owner")),
            ("category", _("Category")),
            ("priority", _("Priority")),
            ("next_due", _("Next deadline")),
            ("breached", _("Breached")),
        ),
        link="reference",
    ),
    "incidents": Listing(
        "incidents",
        _("Incidents"),
        _api(worklists.incidents),
        IncidentListQuery,
        (
            ("reference", _("Reference")),
            ("title", _("Title")),
            ("level", _("Level")),
            ("status", _("Status")),
            ("reported_at", _("Reported")),
            ("next_due", _("Next deadline")),
            ("overdue", _("Overdue")),
        ),
    ),
    "handoffs": Listing(
        "handoffs",
        _("Handoffs"),
        _api(worklists.handoffs),
        HandoffListQuery,
        (
            ("complaint_reference", _("Case")),
            ("from_department", _("From")),
            ("to_department", _("To")),
            ("state", _("State")),
            ("requested_at", _("Requested")),
            ("next_due", _("Next deadline")),
            ("overdue", _("Overdue")),
        ),
        link="complaint_reference",
    ),
    "escalations": Listing(
        "escalations",
        _("Escalations"),
        _api(worklists.escalations),
        EscalationListQuery,
        (
            ("subject_reference", _("Subject")),
            ("subject_kind", _("Kind")),
            ("level", _("Level")),
            ("status", _("Status")),
            ("raised_at", _("Raised")),
            ("waited_seconds", _("Waiting")),
        ),
    ),
}


def filters_of(schema: type[Schema]) -> list[dict[str, Any]]:
    """The form fields a list's query schema takes besides paging: name and choices, if any."""
    shown = []
    for name, field in schema().fields.items():
        if name in ("limit", "cursor", "inbox"):
            continue
        choices = getattr(field.validate, "choices", None) if field.validate else None
        if isinstance(field, fields.Boolean):
            choices = ("true", "false")
        shown.append({"name": name, "choices": choices, "default": field.load_default})
    return shown


def _cell(value: Any) -> str:
    """A CSV cell: moments in UTC ISO 8601; a leading formula character is neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_of(listing: Listing, items: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(key for key, _ in listing.columns)
    for item in items:
        writer.writerow(_cell(item.get(key)) for key, _ in listing.columns)
    return out.getvalue()


def _view(listing: Listing) -> Callable[[], Response | tuple[str, int]]:
    def view() -> Response | tuple[str, int]:
        filters = filters_of(listing.query)
        try:
            args = read_form(listing.query, request.args)
        except FormError as error:
            return page("list.html", 422, listing=listing, filters=filters, errors=error.fields)
        body, _status, _headers = listing.view(args)
        if request.method == "POST":
            stamp = body["as_of"].astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
            return Response(
                csv_of(listing, body["items"]),
                mimetype="text/csv",
                headers={
                    "Content-Disposition": f'attachment; filename="{listing.name}-{stamp}.csv"'
                },
            )
        return page("list.html", listing=listing, filters=filters, body=body, errors={})

    view.__name__ = f"list_{listing.name}"
    view.__doc__ = f"The {listing.name} list, a page at a time; POST: that page as CSV."
    return view


for _listing in LISTS.values():
    bp.add_url_rule(
        f"/lists/{_listing.name}",
        endpoint=f"list_{_listing.name}",
        view_func=_view(_listing),
        methods=["GET", "POST"],
    )
