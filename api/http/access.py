"""Access control in one place: every `/v1` request is authenticated, then judged by the policy.

`guard()` runs before every request: 429 for an address over its bad-token limit, 401 (with
`WWW-Authenticate: Bearer`) without a valid token, then `ledger.access.policy.decide` — 403,
or 404 for a
record outside the caller's department — and finally the caller becomes `current_actor()`, in
the role the table allowed. No view checks roles itself.
"""

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate
from flask import Response, current_app, request

from api.http.identity import PrincipalSource, Rejected
from api.http.limiter import FailureLimiter
from api.http.paths import complaint_id, record_id
from api.http.presenters import revealed_accesses
from api.http.problems import problem, unavailable
from api.http.request_state import RequestState, request_state
from ledger.access.grants import TokenGrants
from ledger.access.policy import decide
from ledger.access.tokens import Principal
from ledger.application.service import LedgerApplication
from ledger.audit.access_log import Access
from ledger.audit.operation_log import Operation, OperationLog
from ledger.cases.complaint import Complaint
from ledger.cases.escalation import Escalation
from ledger.cases.handoff import Handoff
from ledger.errors import NotFoundError
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


class RequestFacts:
    """The records a request names (in its path or its body), each loaded on first use.

    Memoised per instance by hand: `functools.cached_property` takes one lock shared by every
    instance before Python 3.12, which made all request threads queue behind each other's
    database reads.
    """

    def __init__(
        self, app: LedgerApplication, view_args: Mapping[str, Any], body: Any = None
    ) -> None:
        self._app = app
        self._args = view_args
        self._body = body if isinstance(body, dict) else {}
        self._found: dict[str, Any] = {}

    def _once(self, name: str, load: Callable[[], Any]) -> Any:
        if name not in self._found:
            self._found[name] = load()
        return self._found[name]

    @property
    def escalation(self) -> Escalation | None:
        found: Escalation | None = self._once("escalation", self._escalation)
        return found

    @property
    def handoff(self) -> Handoff | None:
        found: Handoff | None = self._once("handoff", self._handoff)
        return found

    @property
    def complaint(self) -> Complaint | None:
        found: Complaint | None = self._once("complaint", self._complaint)
        return found

    def _escalation(self) -> Escalation | None:
        if "escalation" not in self._args:
            return None
        return self._app.get_escalation(record_id(self._args["escalation"], kind="escalation"))

    def _handoff(self) -> Handoff | None:
        if "handoff" not in self._args:
            return None
        return self._app.get_handoff(record_id(self._args["handoff"], kind="handoff"))

    def _complaint(self) -> Complaint | None:
        if "complaint" in self._args:
            return self._app.get_complaint(complaint_id(self._args["complaint"]))
        if (escalation := self.escalation) is not None:
            if escalation.subject_kind != "complaint":
                return None
            return self._app.get_complaint(escalation.subject_id)
        if (handoff := self.handoff) is not None:
            return self._app.get_complaint(handoff.complaint_id)
        named = self._body.get("complaint_id")
        if isinstance(named, str):
            return self._app.get_complaint(complaint_id(named))
        return None

    def loaded(self) -> list[Aggregate]:
        """The records loaded so far (for the command to reuse), without loading any more."""
        return [found for found in self._found.values() if found is not None]

    @property
    def department(self) -> str | None:
        named = self._args.get("department")
        return named if isinstance(named, str) else None

    def handed_to(self, department: str) -> bool:
        complaint = self.complaint
        if complaint is None:
            return False
        return any(
            type(e).__name__ == "HandoffRequested" and getattr(e, "to_department", "") == department
            for e in self._app.events.get(complaint.id)
        )

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
        for name, found in (
            ("handoff", self.handoff),
            ("escalation", self.escalation),
            ("complaint", self.complaint),
        ):
            if found is not None:
                return NotFoundError(f"no {name} with id {found.id}")
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
    facts = RequestFacts(app, request.view_args or {}, request.get_json(silent=True))
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
            "operation log: store unavailable, %s %s not recorded", request.method, request.path
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
            # A path may carry a NUL byte (%00), which PostgreSQL text cannot hold.
            target=(facts.target() if facts else request.path).replace("\x00", "\\x00"),
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
