"""The staff directory, managed by administrators: who works where, at which level, under whom,
and where their notifications are mailed."""

from dataclasses import asdict
from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from api.http.problem_docs import problems
from api.http.problems import problem
from api.http.schemas.notifications import StaffIn, StaffListOut, StaffOut
from ledger.errors import DomainError, NotFoundError
from ledger.staff.directory import StaffDirectory, StaffMember

blp = Blueprint("staff", __name__, url_prefix="/v1/staff", description="Staff directory")


def directory() -> StaffDirectory:
    found: StaffDirectory = current_app.extensions["notifications"].directory
    return found


@blp.route("", methods=["GET"], endpoint="list_staff")
@blp.response(200, StaffListOut)
@problems(blp)
def list_staff() -> Any:
    """Everyone in the directory, by staff id"""
    return {"staff": [asdict(m) for m in directory().all()]}


@blp.route("/<string:staff_id>", methods=["GET"], endpoint="read")
@blp.response(200, StaffOut)
@problems(blp, 404)
def read(staff_id: str) -> Any:
    """One member of staff"""
    member = directory().get(staff_id)
    if member is None:
        raise NotFoundError("no member of staff with that id")
    return asdict(member)


@blp.route("/<string:staff_id>", methods=["PUT"], endpoint="put")
@blp.arguments(StaffIn)
@blp.response(200, StaffOut)
@problems(blp, 422)
def put(args: dict[str, Any], staff_id: str) -> Any:
    """Add or replace a member of staff; `reports_to` must name someone in the directory"""
    if len(staff_id) > 64:
        return problem(422, "invalid-request", "at most 64 characters", field="staff_id")
    try:
        member = directory().put(StaffMember(staff_id=staff_id, **args))
    except DomainError as error:
        return problem(422, "invalid-request", str(error), field=error.field)
    return asdict(member)


@blp.route("/<string:staff_id>", methods=["DELETE"], endpoint="remove")
@blp.response(204)
@problems(blp, 404)
def remove(staff_id: str) -> Any:
    """Remove a member of staff (their past notices keep naming their staff id)"""
    if not directory().remove(staff_id):
        raise NotFoundError("no member of staff with that id")
    return "", 204
