"""The staff directory, managed by administrators: who works where, at which level, under whom,
and where their notifications are mailed."""

from dataclasses import asdict
from typing import Any

from flask import Response, current_app, request

from api.http.blueprint import Blueprint
from api.http.conditional import check_tag, entry_etag
from api.http.problem_docs import problems
from api.http.request_state import request_state
from api.http.schemas.notifications import StaffIn, StaffListOut, StaffOut
from ledger.errors import NotFoundError
from ledger.staff.directory import StaffDirectory, StaffMember

blp = Blueprint("staff", __name__, url_prefix="/v1/staff", description="Staff directory")


def directory() -> StaffDirectory:
    found: StaffDirectory = current_app.extensions["notifications"].directory
    return found


def _precondition(staff_id: str) -> Response | None:
    """412 if `If-Match` does not name the entry as it is now (an entry has no versions, so
    its tag is its fields hashed: a change between read and write changes it)."""
    member = directory().get(staff_id)
    if member is None and "If-Match" not in request.headers:
        return None  # a new entry (PUT) or none to remove (404): nothing to compare with
    return check_tag(entry_etag(asdict(member)) if member is not None else None)


@blp.route("", methods=["GET"], endpoint="list_staff")
@blp.response(200, StaffListOut)
@problems(blp)
def list_staff() -> Any:
    """Everyone in the directory, by staff id"""
    return {"staff": [asdict(m) for m in directory().all()]}


@blp.route("/<string(maxlength=64):staff_id>", methods=["GET"], endpoint="read")
@blp.response(200, StaffOut)
@problems(blp, 404)
def read(staff_id: str) -> Any:
    """One member of staff"""
    member = directory().get(staff_id)
    if member is None:
        raise NotFoundError("no member of staff with that id")
    body = asdict(member)
    request_state().etag = entry_etag(body)
    return body


@blp.route("/<string(maxlength=64):staff_id>", methods=["PUT"], endpoint="put")
@blp.arguments(StaffIn)
@blp.response(200, StaffOut)
@problems(blp, 404, 409, 422)
def put(args: dict[str, Any], staff_id: str) -> Any:
    """Add or replace a member of staff; `reports_to` must name someone else in the directory
    (409 if it names nobody there: the directory as it stands refuses it)"""
    if refused := _precondition(staff_id):
        return refused
    body = asdict(directory().put(StaffMember(staff_id=staff_id, **args)))
    request_state().etag = entry_etag(body)
    return body


@blp.route("/<string(maxlength=64):staff_id>", methods=["DELETE"], endpoint="remove")
@blp.response(204)
@problems(blp, 404)
def remove(staff_id: str) -> Any:
    """Remove a member of staff (their past notices keep naming their staff id)"""
    if refused := _precondition(staff_id):
        return refused
    if not directory().remove(staff_id):
        raise NotFoundError("no member of staff with that id")
    return "", 204
