"""Access control in one place: every `/v1` request is authenticated, then judged by the policy.

`guard()` runs before every request: 429 for an address over its bad-token limit, 401 (with
`WWW-Authenticate: Bearer`) without a valid token, then `ledger.access.policy.decide` — 403,
or 404 for a record outside the caller's scope — then 404 when a record the path names is
missing or of another kind (a complaint id under `/v1/incidents/`), and finally the caller
becomes `current_actor()`, in the role the table allowed. No view checks roles itself.
"""

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from flask import Response, current_app, request

from api.http.identity import PrincipalSource, Rejected
from api.http.limiter import FailureLimiter
from api.http.log_text import escaped
from api.http.one_commit import commit_answer
from api.http.problems import problem, unavailable
from api.http.request_facts import RequestFacts
from api.http.request_state import RequestState, request_state
from api.http.reveals import revealed_accesses
from ledger.access.grants import TokenGrants
from ledger.access.policy import decide
from ledger.access.tokens import Principal
from ledger.audit.operation_log import Operation, OperationLog
from ledger.store.availability import is_unavailable
from ledger.values import Actor

log = logging.getLogger(__name__)

REALM = 'Bearer realm="ledger"'
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass
class AccessControl:
    """The pieces of access control one app holds."""

    sources: Sequence[PrincipalSource]
    tokens: TokenGrants
    limiter: FailureLimiter
    oplog: OperationLog

    def authenticate(self, credential: str, *, now: datetime) -> Principal | Rejected:
        for source in self.sources:
            result = source.authenticate(credential, now=now)
            if result is not None:
                return result
        return Rejected("the token is not valid")


def access_control() -> AccessControl:
    access: AccessControl = current_app.extensions["access"]
    return access


def request_id() -> str:
    return request_state().request_id


def _unauthorized(detail: str, *, invalid: bool) -> Response:
    challenge = f'{REALM}, error="invalid_token"' if invalid else REALM
    return problem(401, "unauthorized", detail, headers={"WWW-Authenticate": challenge})


def guard() -> Response | None:
    """Before each `/v1` request: authenticate, authorise, and fix who the caller is."""
    state = request_state()
    supplied = request.headers.get("X-Request-Id", "")
    state.request_id = supplied if _REQUEST_ID.match(supplied) else uuid4().hex
    access = access_control()
    app = state.ledger
    now = app.clock.now()
    address = request.remote_addr or "unknown"
    retry = access.limiter.retry_after(address, now)
    if retry is not None:
        return problem(
            429,
            "too-many-failed-authentications",
            "Too many invalid tokens from this address; try again later.",
            headers={"Retry-After": str(retry)},
        )
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        return _unauthorized(
            "Send your access token as 'Authorization: Bearer <token>'; an administrator "
            "issues tokens with `ledger tokens create`.",
            invalid=False,
        )
    found = access.authenticate(credential, now=now)
    if isinstance(found, Rejected):
        access.limiter.failed(address, now)
        return _unauthorized(f"{found.reason.capitalize()}.", invalid=True)
    state.actor = Actor(staff_id=found.staff_id, role=found.roles[0], department=found.department)
    state.token_id = found.token_id
    if request.routing_exception is not None:
        return None  # Flask answers 404 or 405 as usual
    facts = RequestFacts(
        app, request.view_args or {}, request.get_json(silent=True), records=state.records
    )
    if not authorise(state, facts, found.staff_id, found.roles, found.department):
        return problem(403, "forbidden", "Your role may not do this.")
    return None


def authorise(
    state: RequestState,
    facts: RequestFacts,
    staff_id: str,
    roles: tuple[str, ...],
    department: str | None,
) -> bool:
    """The policy table's decision on this request, for the API and the console alike: raises
    NotFound where the record is out of the caller's scope, False where the role may not act;
    otherwise the caller's actor is set and the records the path names are loaded, once."""
    state.facts = facts
    decision = decide(
        request.endpoint, staff_id=staff_id, roles=roles, department=department, facts=facts
    )
    state.decision = decision.outcome
    if decision.outcome == "hidden":
        raise facts.hidden()
    if decision.outcome == "forbidden" or decision.role is None:
        return False
    facts.load_named()  # every record the path names, as its kind, whatever the cell asked
    state.actor = Actor(staff_id=staff_id, role=decision.role, department=department)
    # The command acts on the records the decision loaded: one read each, not two.
    state.scope.reuse(facts.loaded())
    return True


def recorded(path: str) -> bool:
    """Is a request to `path` recorded in the operation log? Every API request and every
    console page (its static files aside)."""
    if path.startswith("/console/"):
        return not path.startswith("/console/static/")
    return path.startswith("/v1/")


def record_operation(response: Response) -> Response:
    """After each `/v1` request: one row in the operation log, whatever the outcome, with the
    personal data the answer revealed; for a write answered in one commit, in its events'
    transaction (`api.http.one_commit`)."""
    if not recorded(request.path):
        return response
    state = request_state()
    accesses = revealed_accesses()
    try:
        answer, written = commit_answer(
            response, state, lambda sent: _operation(sent, state), accesses
        )
        if answer is not response:
            # The answer that revealed them was replaced (a problem, or a replay): not sent; what
            # the replacement revealed is its own.
            accesses = revealed_accesses()
            response = answer
        if not written:
            access_control().oplog.append(_operation(response, state), accesses)
    except Exception as error:
        if not is_unavailable(error):
            raise
        # The store went away after the request was answered (or was why it failed): the
        # answer stands, and the gap in the operation log is itself logged...
        log.error(
            "operation log: store unavailable, %s %s not recorded",
            request.method,
            escaped(request.path),
        )
        if accesses:
            # ...unless it reveals personal data: no reveal leaves unrecorded.
            response = unavailable(current_app.extensions["retry_after"])
    response.headers["X-Request-Id"] = request_id()
    return response


def _operation(response: Response, state: RequestState) -> Operation:
    actor, facts = state.actor, state.facts
    return Operation(
        at=state.ledger.clock.now(),
        request_id=request_id(),
        staff_id=actor.staff_id if actor else "-",
        role=actor.role if actor else "-",
        operation=request.endpoint or f"{request.method} (no such endpoint)",
        # A path may carry CR/LF, ANSI escapes or a NUL (which PostgreSQL text cannot hold).
        target=escaped(facts.target() if facts else request.path),
        result="allowed" if state.decision == "allowed" else "refused",
        status=response.status_code,
        token_id=state.token_id,
    )


__all__ = [
    "AccessControl",
    "RequestFacts",
    "access_control",
    "guard",
    "record_operation",
    "request_id",
]
