"""`Idempotency-Key` on POST: a retry with the same key returns the first result, appends nothing.

Before a POST with a key, a record of the key answers at once: the same request is replayed
from it, a different request with the same key gets 422. Otherwise the request runs with the
key in its scope (`ledger.store.idempotency`): its first save writes the key's record in the
same transaction as its events, with the endpoint's success status and, when it saves the
record the endpoint answers with, that record's `kind:id:version`. So a crash or an outage
between that commit and the answer cannot let a retry write again, and a concurrent duplicate's
save fails as a whole (`DuplicateRequestError`) and is answered with the first result.

After the answer the record is set to what was answered (a body, a refusal) and the headers
that say more about it (`Location`, `ETag`, ...), so a replay has the first answer's status, body
and headers; a record's `ETag` is computed again from the version it shows (the encoding and the
replay: `api.http.idempotent_answers`). A request that
saved nothing and failed on our side (5xx) leaves no record, so its retry runs again.
"""

import hashlib
import logging
import re
from datetime import datetime, timedelta

from eventsourcing.domain import Aggregate
from flask import Flask, Response, current_app, request

from api.http.idempotent_answers import BODY, HEADER, PROBLEM, WITHHELD, replay, with_headers
from api.http.identity import current_actor
from api.http.presenters import RESOURCES
from api.http.problems import problem
from api.http.request_state import request_state
from ledger.cases.complaint import Complaint
from ledger.cases.escalation import Escalation
from ledger.cases.handoff import Handoff
from ledger.errors import DuplicateRequestError
from ledger.incidents.incident import Incident
from ledger.store.availability import is_unavailable
from ledger.store.idempotency import Completion, IdempotencyKey

# Printable ASCII without a space at either end (HTTP would strip it): the documented shape.
KEY_PATTERN = r"^[!-~]([ -~]{0,253}[!-~])?$"
KEY_SHAPE = re.compile(KEY_PATTERN)
log = logging.getLogger(__name__)
# The aggregate behind each re-presentable kind: a save of it records `kind:id:version`.
AGGREGATES: dict[str, type[Aggregate]] = {
    "complaint": Complaint,
    "escalation": Escalation,
    "handoff": Handoff,
    "incident": Incident,
}


def _answers() -> tuple[int, str | None]:
    """The endpoint's success status, and the kind of record it answers with (if any)."""
    view = current_app.view_functions.get(request.endpoint or "")
    doc = getattr(view, "_apidoc", {})
    status = (doc.get("success_status_codes") or [200])[0]
    schemas = doc.get("response", {}).get("responses", {}).get(status, [])
    for kind, (_, _, schema) in RESOURCES.items():
        if any(isinstance(r.get("schema"), schema) for r in schemas) and kind in AGGREGATES:
            return status, kind
    return status, None


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.path.encode())
    digest.update(b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _at(moment: datetime) -> str:
    return moment.isoformat()


def check_key() -> Response | None:
    """Before a POST: answer from the first request with this key, or let this one record it."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        return None
    if not KEY_SHAPE.match(key):
        return problem(
            400,
            "invalid-request",
            "Idempotency-Key must be 1-255 printable ASCII characters.",
            field=HEADER,
        )
    state = request_state()
    scope = current_actor().staff_id
    fingerprint = _fingerprint()
    record = state.ledger.side_tables.find_idempotency_record(scope=scope, key=key)
    if record is not None:
        return replay(record, fingerprint, state)
    status, kind = _answers()
    state.scope.idempotency = IdempotencyKey(
        scope,
        key,
        fingerprint,
        status,
        _at(state.ledger.clock.now()),
        kind,
        AGGREGATES.get(kind) if kind else None,
    )
    return None


def replay_first(_: DuplicateRequestError) -> Response:
    """A concurrent duplicate's save was refused: answer with what the first request recorded."""
    state = request_state()
    key = state.scope.idempotency
    if key is None:
        raise RuntimeError("a duplicate request without an idempotency key")
    state.scope.idempotency = None  # the record is the first request's: leave it as it is
    state.presented = None
    record = state.ledger.side_tables.find_idempotency_record(scope=key.scope, key=key.key)
    if record is None:
        raise RuntimeError("the idempotency record that refused the save is gone")
    return replay(record, key.fingerprint, state)


def record_answer(response: Response) -> Response:
    """After the request: record what it answered (a save may have recorded the key already)."""
    state = request_state()
    key = state.scope.idempotency
    if key is None or (response.status_code >= 500 and not key.recorded):
        return response
    if response.status_code >= 500:
        return response  # a save recorded its result; the failure after it is not the answer
    result = state.presented
    if result is None:
        if response.status_code >= 400:
            result = PROBLEM + response.get_data(as_text=True)
        elif state.answer_holds_secret or state.showed_personal or not _is_text(response):
            # A secret is shown once and never stored, personal data is never stored in clear,
            # and a file (an evidence bundle) is not kept twice: a retry learns it was done.
            result = WITHHELD
        else:
            result = BODY + response.get_data(as_text=True)
    answer = Completion(
        key.scope,
        key.key,
        key.fingerprint,
        response.status_code,
        with_headers(response, result),
        key.at,
        not key.recorded,
    )
    try:
        state.ledger.side_tables.record_answer(answer)
    except Exception as error:
        if not is_unavailable(error):
            raise
        # The record stays as its save wrote it (if one did): a retry runs again or replays it.
        log.error("idempotency: store unavailable, an answer was not recorded")
    return response


def _is_text(response: Response) -> bool:
    mimetype = response.mimetype or ""
    return mimetype == "application/json" or mimetype.startswith("text/")


def install(app: Flask, *, lease: timedelta) -> None:
    """An answer not recorded `lease` after its changes is taken as lost (a crash)."""
    app.extensions["answer_lease"] = lease
    app.after_request(record_answer)
    app.register_error_handler(DuplicateRequestError, replay_first)
