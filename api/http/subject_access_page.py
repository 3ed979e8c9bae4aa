"""The subject access export as a readable HTML page (Jinja2, every value autoescaped)."""

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from itertools import groupby
from uuid import UUID

from jinja2 import Environment, PackageLoader, Template, select_autoescape

from ledger.application.subject_access import HeldValue


@cache
def _template() -> Template:
    environment = Environment(
        loader=PackageLoader("api.http", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    return environment.get_template("subject_access.html")


def render_page(subject_id: UUID, exported_at: datetime, values: Sequence[HeldValue]) -> str:
    records = [
        (reference, list(rows)) for reference, rows in groupby(values, lambda v: v.reference)
    ]
    return _template().render(
        subject_id=subject_id, exported_at=exported_at.isoformat(), records=records
    )
