"""The records a request names, loaded once each through the request's one loader, as the kinds
their parameters name: what `guard()` judges and the operation log names as the target."""

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from flask import request

from api.http.paths import complaint_id, incident_id, record_id
from api.http.request_state import request_state
from ledger.application.records import ReadScope, Records, missing
from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.cases.escalation import Escalation
from ledger.cases.handoff import Handoff
from ledger.errors import NotFoundError
from ledger.incidents.incident import Incident

_TARGET_KINDS = {"token_id": "token"}  # path parameter -> the kind the operation log names


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

    def named_record(self) -> Aggregate | None:
        """The most specific record the path names (loaded by `load_named`), if any."""
        for kind in _DECIDING:
            if kind in self._args:
                found: Aggregate | None = self._found.get(kind)
                return found
        return None

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
