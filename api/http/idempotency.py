"""`Idempotency-Key` on POST: a retry with the same key returns the first result, appends nothing.

The first request claims the key under a fencing token (`ledger.store.claims`). When its command
saves the record the endpoint answers with, the save completes the claim in the events' own
transaction (the endpoint's success status and `kind:id:version`), so a crash or an outage
between that commit and the answer cannot leave the key in progress or let a retry write again.
After the answer the record is set to what was answered (a refusal, say); a server failure
releases the key unless a save already completed it. A retry while the first request runs gets
409 with `Retry-After`; the same key with a different request gets 422.
"""

import hashlib
import json
import logging
import math
from datetime import timedelta

from eventsourcing.domain import Aggregate
from flask import Flask, Response, current_app, g, request

from api.http.identity import current_actor
from api.http.presenters import RESOURCES, ledger, re_present
from api.http.problems import PROBLEM_JSON, problem
from ledger.cases.complaint import Complaint
from ledger.cases.escalation import Escalation
from ledger.cases.handoff import Handoff
from ledger.incidents.incident import Incident
from ledger.store.availability import is_unavailable
from ledger.store.claims import Claim, current_claim

HEADER = "Idempotency-Key"
# How a stored answer is kept: a problem or a plain body verbatim, a record as its pointer.
PROBLEM = "problem:"
BODY = "body:"
WITHHELD = "withheld"
log = logging.getLogger(__name__)
# The aggregate behind each re-presentable kind: a save of it completes the claim.
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


def claim_key() -> Response | None:
    """Before a POST: claim the key, or answer from the first request that claimed it."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        return None
    if not 1 <= len(key) <= 255 or not key.isprintable():
        return problem(
            400,
            "Invalid request",
            "Idempotency-Key must be 1-255 printable characters.",
            field=HEADER,
        )
    scope = current_actor().staff_id
    app = ledger()
    holders = app.claim_holders
    fingerprint = _fingerprint()
    token = holders.new_token()
    now = app.clock.now()
    try:
        record = app.side_tables.reserve_idempotency_key(
            scope=scope,
            key=key,
            fingerprint=fingerprint,
            now=now,
            lease=current_app.extensions["claim_lease"],
            token=token,
            owner=holders.owner,
            holder_is_dead=holders.holder_is_dead,
        )
    except BaseException:
        holders.finished(token)
        raise
    if record is None:
        status, kind = _answers()
        claim = Claim(scope, key, token, status, kind, AGGREGATES.get(kind) if kind else None)
        g.idempotency = (claim, current_claim.set(claim))
        return None
    holders.finished(token)
    if record.fingerprint != fingerprint:
        return problem(
            422,
            "Idempotency key reused",
            "This Idempotency-Key was used for a different request.",
            field=HEADER,
        )
    if record.status is None or record.result is None:
        wait = timedelta(seconds=1)
        if record.lease_ends is not None:
            wait = max(wait, record.lease_ends - now)
        return problem(
            409,
            "Request in progress",
            "A request with this Idempotency-Key is still running.",
            field=HEADER,
            headers={"Retry-After": str(math.ceil(wait.total_seconds()))},
        )
    if record.result.startswith(PROBLEM):
        response = Response(
            record.result.removeprefix(PROBLEM), status=record.status, mimetype=PROBLEM_JSON
        )
    elif record.result.startswith(BODY):
        response = Response(
            record.result.removeprefix(BODY), status=record.status, mimetype="application/json"
        )
    elif record.result == WITHHELD:
        return problem(
            409,
            "Request already answered",
            "The request with this Idempotency-Key succeeded; its answer held a secret that is "
            "shown only once and is not kept.",
            field=HEADER,
        )
    else:
        response = Response(
            json.dumps(re_present(record.result)), status=record.status, mimetype="application/json"
        )
        response.headers["ETag"] = f'"{record.result.rsplit(":", 1)[1]}"'
    response.headers["Idempotent-Replayed"] = "true"
    return response


def settle_key(response: Response) -> Response:
    """After the request: store what it answered, or release the key if we failed."""
    claimed = g.get("idempotency")
    if claimed is None:
        return response
    try:
        _settle(claimed[0], response)
    except Exception as error:
        if not is_unavailable(error):
            raise
        # The claim stays as it was: completed if the save did it, else in progress until a
        # retry takes it over (this process knows the claim is no longer live).
        log.error("idempotency: store unavailable, a claim was left as it was")
    return response


def _settle(claim: Claim, response: Response) -> None:
    tables = ledger().side_tables
    if response.status_code >= 500:
        # Deletes only a claim still in progress: a save that committed keeps its answer.
        tables.release_idempotency_key(scope=claim.scope, key=claim.key, token=claim.token)
        return
    result = g.get("presented")
    if result is None:
        if response.status_code >= 400:
            result = PROBLEM + response.get_data(as_text=True)
        elif g.get("answer_holds_secret"):
            # A secret is shown once and never stored: a retry learns the request was done.
            result = WITHHELD
        else:
            result = BODY + response.get_data(as_text=True)
    tables.complete_idempotency_key(
        scope=claim.scope,
        key=claim.key,
        token=claim.token,
        status=response.status_code,
        result=result,
    )


def release_on_error(error: BaseException | None) -> None:
    """After every request: forget the claim; release it if the request failed on our side."""
    claimed = g.pop("idempotency", None)
    if claimed is None:
        return
    claim, reset = claimed
    current_claim.reset(reset)
    try:
        if error is not None:
            ledger().side_tables.release_idempotency_key(
                scope=claim.scope, key=claim.key, token=claim.token
            )
    except Exception as failure:
        if not is_unavailable(failure):
            raise
        log.error("idempotency: store unavailable, a claim was left as it was")
    finally:
        ledger().claim_holders.finished(claim.token)


def install(app: Flask, *, lease: timedelta) -> None:
    """Claims in progress may be taken over after `lease` whatever their holder."""
    app.extensions["claim_lease"] = lease
    app.after_request(settle_key)
    app.teardown_request(release_on_error)
