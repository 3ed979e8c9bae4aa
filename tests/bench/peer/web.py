"""The peer's HTTP face: the ledger's complaint paths, marshmallow in and out, nothing more."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from flask import Flask, Response, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate

from tests.bench.peer.domain import Complaint, Complaints, TransitionError


class CustomerIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    phone = fields.String(validate=validate.Length(max=40))
    email = fields.Email()


class RegisterIn(Schema):
    channel = fields.String(
        required=True,
        validate=validate.OneOf(("phone", "email", "online_chat", "social_media", "walk_in")),
    )
    customer = fields.Nested(CustomerIn, required=True)
    summary = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class ClassifyIn(Schema):
    category = fields.String(required=True, validate=validate.Length(min=1, max=64))
    priority = fields.String(
        required=True, validate=validate.OneOf(("urgent", "important", "normal"))
    )


class AssignIn(Schema):
    owner = fields.String(load_default="bench-agent", validate=validate.Length(min=1, max=64))


class RespondIn(Schema):
    message = fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class NoteIn(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class ResolveIn(Schema):
    resolution = fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class FeedbackIn(Schema):
    satisfaction = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5))


class CloseIn(Schema):
    pass


class CustomerOut(Schema):
    name = fields.String()
    phone = fields.String()
    email = fields.String()


class ComplaintOut(Schema):
    id = fields.UUID()
    version = fields.Integer()
    status = fields.String()
    channel = fields.String()
    customer = fields.Nested(CustomerOut)
    summary = fields.String()
    description = fields.String()
    category = fields.String(allow_none=True)
    priority = fields.String(allow_none=True)
    owner = fields.String(allow_none=True)
    registered_at = fields.AwareDateTime()
    resolution = fields.String(allow_none=True)
    satisfaction = fields.Integer(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)


_OUT = ComplaintOut()

# command path -> (body schema, what it does to the aggregate)
COMMANDS: dict[str, tuple[Schema, Callable[[Complaint, dict[str, Any]], None]]] = {
    "classify": (ClassifyIn(), lambda c, a: c.classify(a["category"], a["priority"])),
    "assign": (AssignIn(), lambda c, a: c.assign(a["owner"])),
    "respond": (RespondIn(), lambda c, a: c.respond(a["message"])),
    "notes": (NoteIn(), lambda c, a: c.note(a["note"])),
    "resolve": (ResolveIn(), lambda c, a: c.resolve(a["resolution"])),
    "feedback": (FeedbackIn(), lambda c, a: c.feedback(a["satisfaction"])),
    "close": (CloseIn(), lambda c, a: c.close()),
}


def _problem(status: int, title: str, detail: Any) -> tuple[Response, int]:
    response = jsonify({"type": "about:blank", "title": title, "status": status, "detail": detail})
    response.content_type = "application/problem+json"
    return response, status


def _present(complaint: Complaint) -> dict[str, Any]:
    data: dict[str, Any] = _OUT.dump(complaint)
    return data


def create_app(app_env: dict[str, str]) -> Flask:
    """The peer service over `Complaints(env=app_env)` (the library's POSTGRES_* settings)."""
    complaints = Complaints(env=app_env)
    app = Flask("peer")
    register_schema = RegisterIn()

    @app.errorhandler(ValidationError)
    def invalid(error: ValidationError) -> tuple[Response, int]:
        return _problem(422, "Unprocessable Entity", error.messages)

    @app.errorhandler(AggregateNotFoundError)
    def missing(error: AggregateNotFoundError) -> tuple[Response, int]:
        return _problem(404, "Not Found", "no such complaint")

    @app.errorhandler(TransitionError)
    def conflict(error: TransitionError) -> tuple[Response, int]:
        return _problem(409, "Conflict", str(error))

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/complaints")
    def register() -> tuple[dict[str, Any], int]:
        complaint = complaints.register(**register_schema.load(request.get_json(force=True)))
        return _present(complaint), 201

    @app.get("/v1/complaints/<uuid:complaint>")
    def read(complaint: UUID) -> dict[str, Any]:
        return _present(complaints.get(complaint))

    @app.post("/v1/complaints/<uuid:complaint>/<command>")
    def command(complaint: UUID, command: str) -> Any:
        if command not in COMMANDS:
            return _problem(404, "Not Found", f"no command {command}")
        schema, apply = COMMANDS[command]
        args = schema.load(request.get_json(force=True))
        aggregate = complaints.get(complaint)
        apply(aggregate, args)
        complaints.save(aggregate)
        return _present(aggregate)

    return app
