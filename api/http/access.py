"""Access control in one place: every `/v1` request is authenticated, then judged by the policy.

`guard()` runs before every request: 429 for an address over its bad-token limit, 401 (with
`WWW-Authenticate: Bearer`) without a valid token, then `ledger.access.policy.decide` — 403,
or 404 for a record outside the caller's scope — then 404 when a record the path names is
missing or of another kind (a complaint id under `/v1/incidents/`), and finally the caller
becomes `current_actor()`, in the role the table allowed. No view checks roles itself.
"""

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from flask import Response, current_app, request

from api.http.identity import PrincipalSource, Rejected
from api.http.limiter import FailureLimiter
from api.http.log_text import escaped
from api.http.paths import complaint_id, incident_id, record_id
from api.http.presenters import revealed_accesses
from api.http.problems import problem, unavailable
from api.http.request_state import RequestState, request_state
from ledger.access.grants import TokenGrants
from ledger.access.policy import decide
from ledger.access.tokens import Principal
from ledger.application.records import ReadScope, Records, missing
from ledger.application.service import LedgerApplication
from ledger.audit.access_log import Access
from ledger.audit.operation_log import Operation, OperationLog
from ledger.cases.complaint import Complaint
from ledger.cases.escalation import Escalation
from ledger.cases.handoff import Handoff
from ledger.errors import NotFoundError
from ledger.incidents.incident import Incident
from ledger.store.availability import is_unavailable
from ledger.values import Actor

log = logging.getLogger(__name__)

REALM = 'Bearer realm="ledger"'
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_TARGET_KINDS = {"token_id": "token"}  # path parameter -> the kind the operation log names


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


# path parameter -> how it names a record's id (kinds: `ledger.application.records.KINDS`)
_PATH_IDS: dict[str, Callable[[str], UUID]] = {
    "complaint": complaint_id,
    "incident": incident_id,
    "escalation": lambda text: record_id(text, kind="escalation"),
    "handoff": lambda text: record_id(text, kind="handoff"),
    "case": lambda text: record_id(text, kind="case"),
}
# Whose scope decides when a request names several records: the most specific one.
_DECIDING = ("handoff", "escalation", "incident", "case", "complaint")


class RequestFacts:
    """The records a request names (in its path or its body), each loaded on first use through
    the request's one loader (`Records`), as the kind its parameter names.

    Memoised per instance by hand: `functools.cached_property` takes one lock shared by every
    instance before Python 3.12, which made all request threads queue behind each other's
    database reads.
    """

    def __init__(
        self,
        app: LedgerApplication,
        view_args: Mapping[str, Any],
        body: Any = None,
        *,
        records: Records | None = None,
    ) -> None:
        self._app = app
        self._records = records or Records(app)
        self._args = view_args
        self._body = body if isinstance(body, dict) else {}
        self._found: dict[str, Any] = {}

    def _once(self, name: str, load: Callable[[], Any]) -> Any:
        if name not in self._found:
            self._found[name] = load()
        return self._found[name]

    def _named(self, kind: str) -> Any:
        """The record the path parameter `kind` names, as that kind (404 if it is not one)."""
        if kind not in self._args:
            return None
        return self._records.find(kind, _PATH_IDS[kind](self._args[kind]))

    def load_named(self) -> None:
        """Load every record the path names, as its kind: a stream of another kind is a 404
        whatever the caller's role, before any condition is asked."""
        for kind in _DECIDING:
            if kind in self._args:
                self._once(kind, partial(self._named, kind))

    @property
    def escalation(self) -> Escalation | None:
        found: Escalation | None = self._once("escalation", lambda: self._named("escalation"))
        return found

    @property
    def handoff(self) -> Handoff | None:
        found: Handoff | None = self._once("handoff", lambda: self._named("handoff"))
        return found

    @property
    def incident(self) -> Incident | None:
        found: Incident | None = self._once("incident", self._incident)
        return found

    @property
    def complaint(self) -> Complaint | None:
        found: Complaint | None = self._once("complaint", self._complaint)
        return found

    def _incident(self) -> Incident | None:
        if "incident" in self._args:
            found: Incident = self._named("incident")
            return found
        if (escalation := self.escalation) is not None and escalation.subject_kind == "incident":
            subject: Incident = self._records.find("incident", escalation.subject_id)
            return subject
        return None

    def _complaint(self) -> Complaint | None:
        if "complaint" in self._args:
            found: Complaint = self._named("complaint")
            return found
        if (escalation := self.escalation) is not None:
            if escalation.subject_kind != "complaint":
                return None
            subject: Complaint = self._records.find("complaint", escalation.subject_id)
            return subject
        if (handoff := self.handoff) is not None:
            handed: Complaint = self._records.find("complaint", handoff.complaint_id)
            return handed
        named = self._body.get("complaint_id")
        if isinstance(named, str):
            body: Complaint = self._records.find("complaint", complaint_id(named))
            return body
        return None

    def _deciding(self) -> tuple[str, Aggregate] | None:
        """The record whose scope decides (the path's most specific, else the body's)."""
        for kind in _DECIDING:
            if kind in self._args:
                found = self._once(kind, partial(self._named, kind))
                return kind, found
        if (complaint := self.complaint) is not None:
            return "complaint", complaint
        return None

    def within(self, scope: ReadScope) -> bool:
        deciding = self._deciding()
        return deciding is None or self._records.within(deciding[1], scope)

    def loaded(self) -> list[Aggregate]:
        """The records loaded so far (for the command to reuse), without loading any more."""
        return [found for found in self._found.values() if found is not None]

    @property
    def department(self) -> str | None:
        named = self._args.get("department")
        return named if isinstance(named, str) else None

    def target(self) -> str:
        """What the operation log names as the target, without loading anything."""
        if presented := request_state().presented:
            kind, aggregate_id, _ = presented.split(":")
            return f"{kind}:{aggregate_id}"
        for name, value in self._args.items():
            if name == "complaint":
                try:
                    return f"complaint:{complaint_id(value)}"
                except NotFoundError:
                    return f"complaint:{value}"
            return f"{_TARGET_KINDS.get(name, name)}:{value}"
        return request.path

    def hidden(self) -> NotFoundError:
        """The very error a record that does not exist would give."""
        if self.department is not None:
            return NotFoundError("no such department")
        if (deciding := self._deciding()) is not None:
            kind, found = deciding
            return missing(kind, found.id)
        return NotFoundError("no such record")


def request_id() -> str:
    return request_state().request_id


def _unauthorized(detail: str, *, invalid: bool) -> Response:
    challenge = f'{REALM}, error="invalid_token"' if invalid else REALM
    return problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": challenge})


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
            "Too many failed authentications",
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
    state.facts = facts
    decision = decide(
        request.endpoint,
        staff_id=found.staff_id,
        roles=found.roles,
        department=found.department,
        facts=facts,
    )
    state.decision = decision.outcome
    if decision.outcome == "hidden":
        raise facts.hidden()
    if decision.outcome == "forbidden" or decision.role is None:
        return problem(403, "Forbidden", "Your role may not do this.")
    facts.load_named()  # every record the path names, as its kind, whatever the cell asked
    state.actor = Actor(staff_id=found.staff_id, role=decision.role, department=found.department)
    # The command acts on the records the decision loaded: one read each, not two.
    state.scope.reuse(facts.loaded())
    return None


def record_operation(response: Response) -> Response:
    """After each `/v1` request: one row in the operation log, whatever the outcome, and in the
    same commit the access-log rows of the personal data it revealed."""
    if not request.path.startswith("/v1/"):
        return response
    state = request_state()
    accesses = revealed_accesses()
    try:
        _append_operation(response, state, accesses)
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


def _append_operation(response: Response, state: RequestState, accesses: list[Access]) -> None:
    actor, facts = state.actor, state.facts
    access_control().oplog.append(
        Operation(
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
        ),
        accesses,
    )


__all__ = [
    "AccessControl",
    "RequestFacts",
    "access_control",
    "guard",
    "record_operation",
    "request_id",
]
