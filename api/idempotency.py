"""`Idempotency-Key` on POST: a retry with the same key returns the first result, appends nothing.

The first request claims the key; its outcome is stored as a pointer to the version of the record
it produced (or as the problem it answered). A retry while the first is still running gets 409;
the same key with a different request gets 422. Server failures release the key.
"""

import hashlib
import json
import logging
from datetime import timedelta

from flask import Flask, Response, g, request

from api.identity import current_actor
from api.presenters import ledger, re_present
from api.problems import PROBLEM_JSON, problem
from ledger.store.availability import is_unavailable

HEADER = "Idempotency-Key"
log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=5)


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
    fingerprint = _fingerprint()
    record = app.side_tables.reserve_idempotency_key(
        scope=scope, key=key, fingerprint=fingerprint, now=app.clock.now(), stale_after=STALE_AFTER
    )
    if record is None:
        g.idempotency = (scope, key)
        return None
    if record.fingerprint != fingerprint:
        return problem(
            422,
            "Idempotency key reused",
            "This Idempotency-Key was used for a different request.",
            field=HEADER,
        )
    if record.status is None or record.result is None:
        return problem(
            409,
            "Request in progress",
            "A request with this Idempotency-Key is still running.",
            field=HEADER,
        )
    if record.result.startswith("problem:"):
        response = Response(
            record.result.removeprefix("problem:"), status=record.status, mimetype=PROBLEM_JSON
        )
    else:
        response = Response(
            json.dumps(re_present(record.result)), status=record.status, mimetype="application/json"
        )
        response.headers["ETag"] = f'"{record.result.rsplit(":", 1)[1]}"'
    response.headers["Idempotent-Replayed"] = "true"
    return response


def settle_key(response: Response) -> Response:
    """After the request: store what it produced, or release the key if we failed."""
    claimed = g.pop("idempotency", None)
    if claimed is None:
        return response
    scope, key = claimed
    try:
        _settle(scope, key, response)
    except Exception as error:
        if not is_unavailable(error):
            raise
        # The claim stays in progress; a retry after STALE_AFTER takes it over.
        log.error("idempotency: store unavailable, a claim was left in progress")
    return response


def _settle(scope: str, key: str, response: Response) -> None:
    tables = ledger().side_tables
    if response.status_code >= 500:
        tables.release_idempotency_key(scope=scope, key=key)
    elif presented := g.get("presented"):
        tables.complete_idempotency_key(
            scope=scope, key=key, status=response.status_code, result=presented
        )
    else:
        tables.complete_idempotency_key(
            scope=scope,
            key=key,
            status=response.status_code,
            result="problem:" + response.get_data(as_text=True),
        )


def release_on_error(error: BaseException | None) -> None:
    claimed = g.pop("idempotency", None)
    if error is not None and claimed is not None:
        try:
            ledger().side_tables.release_idempotency_key(scope=claimed[0], key=claimed[1])
        except Exception as failure:
            if not is_unavailable(failure):
                raise
            log.error("idempotency: store unavailable, a claim was left in progress")


def install(app: Flask) -> None:
    app.after_request(settle_key)
    app.teardown_request(release_on_error)
