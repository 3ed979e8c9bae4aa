"""Privacy: a person's page by subject id (the records holding their data, holds, erasure with
its legal basis and a confirmation step), lookup by phone or e-mail, the retention report.

Each view calls what its API endpoint calls: `find_subjects` / the records holding a person (as
`POST /v1/subjects/lookup`), `erase_subject`, `place_legal_hold` / `lift_legal_hold` (as
`/v1/subjects/<id>/...`) and the retention report's own function.
"""

import json
from typing import Any
from uuid import UUID

from flask import redirect, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from api.console.blueprint import bp, page
from api.console.forms import FormError, read_form
from api.http.identity import current_actor
from api.http.paths import record_id
from api.http.presenters import ledger
from api.http.routes.retention import retention_report
from api.http.routes.subjects import access_export_answer
from api.http.schemas.common import ReasonIn
from api.http.schemas.subjects import AccessExportOut, AccessExportQuery, ErasureIn, LookupIn
from ledger.cases.complaint import Complaint
from ledger.errors import ConcurrencyError, DomainError, NotFoundError
from ledger.subjects.subject import DataSubject
from privacy.keys.blind_index import KINDS
from privacy.keys.keystore import SubjectErasedError

RECENT = 20  # a home page lists the latest; the audit log holds them all


def _subject(subject: str) -> UUID:
    return record_id(subject, kind="data subject")


def _record(subject_id: UUID) -> DataSubject | None:
    try:
        return ledger().get_data_subject(subject_id)
    except NotFoundError:
        return None  # no hold ever placed, never erased: the ledger has no record of them yet


def person_page(subject_id: UUID, status: int = 200, **extra: Any) -> tuple[str, int]:
    """The person's page: their record, the records holding their data, the forms."""
    app = ledger()
    erased = app.keys.is_erased(subject_id)
    cases = [
        {
            "id": case.id,
            "kind": "complaint" if isinstance(case, Complaint) else "incident",
            "reference": case.reference,
            "status": case.status,
            "legal_hold": case.legal_hold,
        }
        for case in app.cases_holding(subject_id)
    ]
    return page(
        "person.html",
        status,
        subject_id=subject_id,
        record=_record(subject_id),
        erased=erased,
        cases=cases,
        **extra,
    )


@bp.route("/subjects", methods=["GET", "POST"], endpoint="lookup")
def lookup() -> Response | tuple[str, int]:
    """Find a person by subject id, or by exact phone number or e-mail (the blind index)."""
    if request.method == "GET":
        if named := request.args.get("subject", "").strip():
            return redirect(url_for("console.person", subject=str(_subject(named))), 303)
        return page("lookup.html", kinds=KINDS, found=None, errors={})
    try:
        args = read_form(LookupIn, request.form)
    except FormError as error:
        return page("lookup.html", 422, kinds=KINDS, found=None, errors=error.fields)
    found = ledger().find_subjects(args["kind"], args["value"])
    subjects = [{"subject_id": s, "records": records} for s, records in found]
    return page("lookup.html", kinds=KINDS, found=subjects, errors={})


@bp.route("/subjects/<string:subject>", methods=["GET"], endpoint="person")
def person(subject: str) -> tuple[str, int]:
    """A person's page."""
    return person_page(_subject(subject))


@bp.route("/subjects/<string:subject>/erasure", methods=["GET", "POST"], endpoint="erase")
def erase(subject: str) -> Response | tuple[str, int]:
    """Erase a person: first the confirmation (GET, with the legal basis typed in), then the
    erasure itself (POST, confirmed)."""
    subject_id = _subject(subject)
    form = request.args if request.method == "GET" else request.form
    try:
        args = read_form(ErasureIn, form)
    except FormError as error:
        return person_page(subject_id, 422, errors=error.fields)
    if request.method == "GET":
        return person_page(subject_id, confirm=args["legal_basis"])
    if request.form.get("confirm") != "yes":
        return person_page(
            subject_id,
            422,
            confirm=args["legal_basis"],
            errors={"confirm": gettext("Confirm the erasure")},
        )
    try:
        ledger().erase_subject(subject_id, legal_basis=args["legal_basis"], actor=current_actor())
    except (DomainError, ConcurrencyError) as error:
        return person_page(subject_id, 409, refused=str(error))
    return redirect(url_for("console.person", subject=str(subject_id)), 303)


def _hold(subject: str, place: bool) -> Response | tuple[str, int]:
    subject_id = _subject(subject)
    try:
        reason = read_form(ReasonIn, request.form)["reason"]
        if place:
            ledger().place_legal_hold(subject_id, reason=reason, actor=current_actor())
        else:
            ledger().lift_legal_hold(subject_id, reason=reason, actor=current_actor())
    except FormError as error:
        return page("refused.html", 422, reason="form", detail=str(error))
    except (DomainError, ConcurrencyError) as error:
        return page("refused.html", 409, reason="ledger", detail=str(error))
    return redirect(url_for("console.person", subject=str(subject_id)), 303)


@bp.route("/subjects/<string:subject>/legal-hold", methods=["POST"], endpoint="subject_hold")
def place_hold(subject: str) -> Response | tuple[str, int]:
    """Place a legal hold on a person's data."""
    return _hold(subject, place=True)


@bp.route("/subjects/<string:subject>/legal-hold/lift", methods=["POST"], endpoint="subject_lift")
def lift_hold(subject: str) -> Response | tuple[str, int]:
    """Lift a person's legal hold, saying why."""
    return _hold(subject, place=False)


@bp.route("/subjects/<string:subject>/access-export", methods=["POST"], endpoint="access_export")
def access_export(subject: str) -> Response | tuple[str, int]:
    """The person's access export as a file to hand them: the API's answer, JSON or HTML; its
    reveals go to the access log with this request's row, as the API's do."""
    subject_id = _subject(subject)
    try:
        format_ = read_form(AccessExportQuery, request.form)["format"]
        answer = access_export_answer(subject_id, format_)
    except FormError as error:
        return page("refused.html", 422, reason="form", detail=str(error))
    except SubjectErasedError:
        return page("refused.html", 410, reason="erased")
    if isinstance(answer, dict):
        body = json.dumps(AccessExportOut().dump(answer), ensure_ascii=False, indent=2)
        download = Response(body, mimetype="application/json")
    else:
        download = answer
    name = f"access-export-{subject_id}.{format_}"
    download.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return download


@bp.route("/retention", methods=["GET"], endpoint="retention")
def retention() -> tuple[str, int]:
    """The retention report: what is due, what is held and why, archived and destroyed."""
    return page("retention.html", report=retention_report())


def privacy_status() -> dict[str, Any]:
    """A privacy officer's My work: the people under hold, and the latest erasures."""
    app = ledger()
    held = [s for s in app.data_subjects_recording("HoldPlaced", limit=RECENT) if s.legal_hold]
    erased = app.data_subjects_recording("Erased", limit=RECENT)
    return {"held": held, "erased": erased}
