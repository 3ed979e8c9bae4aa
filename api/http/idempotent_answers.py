"""How an idempotent request's answer is stored, and how a stored answer is replayed.

A stored answer is a problem or a plain body verbatim, a record as its `kind:id:version`
pointer (re-rendered from the ledger's history), or `withheld`; a first line `headers:{json}`
keeps the headers worth replaying. `api.http.idempotency` decides when to store and replay.
"""

import json
import math
from datetime import timedelta

from flask import Response, current_app

from api.http.presenters import re_present
from api.http.problems import PROBLEM_JSON, problem
from api.http.request_state import RequestState
from ledger.store.side_tables import IdempotencyRecord

HEADER = "Idempotency-Key"
# How a stored answer is kept: a problem or a plain body verbatim, a record as its pointer.
PROBLEM = "problem:"
BODY = "body:"
WITHHELD = "withheld"
# Before any of those, a first line `headers:{json}` keeps the answer's headers worth replaying.
HEADERS = "headers:"
REPLAYED_HEADERS = (
    "Location",
    "Content-Location",
    "ETag",
    "Last-Modified",
    "Retry-After",
    "Allow",
    "Accept",
)
# Where a record created by a 201 lives, for a record the first save wrote before its answer.
LOCATIONS = {
    "complaint": "/v1/complaints/{}",
    "escalation": "/v1/escalations/{}",
    "handoff": "/v1/handoffs/{}",
    "incident": "/v1/incidents/{}",
}


def replay(record: IdempotencyRecord, fingerprint: str, state: RequestState) -> Response:
    if record.fingerprint != fingerprint:
        return problem(
            422,
            "idempotency-key-reused",
            "This Idempotency-Key was used for a different request.",
            field=HEADER,
        )
    if record.status is None or record.result is None:
        return unanswered(record, state)
    headers, result = split_headers(record.result)
    if result.startswith(PROBLEM):
        response = Response(
            result.removeprefix(PROBLEM), status=record.status, mimetype=PROBLEM_JSON
        )
    elif result.startswith(BODY):
        response = Response(
            result.removeprefix(BODY), status=record.status, mimetype="application/json"
        )
    elif result == WITHHELD:
        return problem(
            409,
            "request-already-answered",
            "The request with this Idempotency-Key succeeded; its answer is not kept (it held a "
            "secret shown only once, personal data or a file): ask for what it showed anew.",
            field=HEADER,
        )
    else:
        # The record as first shown; its tag and date are set again from that version.
        response = Response(
            json.dumps(re_present(result)), status=record.status, mimetype="application/json"
        )
        headers.pop("ETag", None)
        headers.pop("Last-Modified", None)
        kind, aggregate_id, _ = result.split(":")
        if record.status == 201 and kind in LOCATIONS:
            headers.setdefault("Location", LOCATIONS[kind].format(aggregate_id))
    for name, value in headers.items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def split_headers(result: str) -> tuple[dict[str, str], str]:
    """The headers kept with a stored answer, and the answer itself."""
    if not result.startswith(HEADERS):
        return {}, result
    line, _, rest = result.partition("\n")
    headers: dict[str, str] = json.loads(line.removeprefix(HEADERS))
    return headers, rest


def with_headers(response: Response, result: str) -> str:
    kept = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
    return f"{HEADERS}{json.dumps(kept)}\n{result}" if kept else result


def unanswered(record: IdempotencyRecord, state: RequestState) -> Response:
    """The first request stored its changes and has not recorded its answer (yet)."""
    lease: timedelta = current_app.extensions["answer_lease"]
    now = state.ledger.clock.now()
    if record.recorded_at is not None and now - record.recorded_at < lease:
        wait = max(timedelta(seconds=1), record.recorded_at + lease - now)
        return problem(
            409,
            "request-in-progress",
            "A request with this Idempotency-Key is still running.",
            field=HEADER,
            headers={"Retry-After": str(math.ceil(wait.total_seconds()))},
        )
    return problem(
        409,
        "request-already-answered",
        "The request with this Idempotency-Key stored its changes; its answer was not kept.",
        field=HEADER,
    )
