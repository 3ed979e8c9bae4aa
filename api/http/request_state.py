"""What the HTTP layer knows about the request it is serving: one object, in one `flask.g` slot.

Made on first use in a request. The application call gets `state.ledger`, the ledger's view for
this request (`LedgerApplication.for_request`), and so everything it needs is passed along: the
memo of data keys its reads fill, the records the access check loaded, its idempotency key.
"""

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from flask import current_app, g

from ledger.application.records import Records
from ledger.application.scope import RequestScope
from ledger.application.service import LedgerApplication
from ledger.values import Actor

_SLOT = "ledger_request"


@dataclass
class RequestState:
    """One request: who calls, what the access check found, and what the answer showed."""

    ledger: LedgerApplication
    scope: RequestScope
    records: Records  # the one loader of records by id, for this request
    request_id: str = ""
    actor: Actor | None = None
    token_id: str | None = None  # the token the caller presented (named in the operation log)
    facts: Any = None  # `api.http.request_facts.RequestFacts`, once the caller is known
    decision: str | None = None  # the policy's outcome: allowed, forbidden or hidden
    presented: str | None = None  # `kind:id:version` of the record the answer shows
    etag: str | None = None  # the strong tag of the record the answer shows
    last_modified: str | None = None  # when that record last changed (an HTTP date)
    showed_personal: bool = False  # the answer revealed personal data: no cache may keep it
    answer_holds_secret: bool = False  # shown once, never stored for a replay
    revealed: dict[UUID, set[str]] = field(default_factory=dict)  # subject -> fields shown

    def reveal_noted(self, subject_id: UUID, field_name: str) -> None:
        self.revealed.setdefault(subject_id, set()).add(field_name)
        self.showed_personal = True

    def take_revealed(self) -> dict[UUID, set[str]]:
        revealed, self.revealed = self.revealed, {}
        return revealed


def request_state() -> RequestState:
    """The state of the request being served, made on first use."""
    state: RequestState | None = g.get(_SLOT)
    if state is None:
        scope = RequestScope()
        base: LedgerApplication = current_app.extensions["ledger"]
        bound = base.for_request(scope)
        state = RequestState(ledger=bound, scope=scope, records=Records(bound))
        setattr(g, _SLOT, state)
    return state
