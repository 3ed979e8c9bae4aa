"""Who is calling: a bearer credential resolved into a `Principal` by one of the identity sources.

Sources sit behind the small `PrincipalSource` protocol: today our own bearer tokens; an OIDC/JWT
source can be added to the list in `api.http.access` later without any endpoint changing, because
every endpoint takes its caller from `current_actor()` — never from the request body.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from api.http.request_state import request_state
from ledger.access.grants import TokenGrants
from ledger.access.tokens import PREFIX, Principal
from ledger.values import Actor


@dataclass(frozen=True)
class Rejected:
    """A credential a source recognised as its own and refuses; `reason` is safe to show."""

    reason: str


class PrincipalSource(Protocol):
    """Turns a bearer credential into a principal; None when the credential is not its kind."""

    def authenticate(self, credential: str, *, now: datetime) -> Principal | Rejected | None: ...


class TokenSource:
    """Our own bearer tokens (`lgr_...`), looked up by hash on every request and checked
    against their grant in the ledger (a row edited in the database is refused)."""

    def __init__(self, tokens: TokenGrants) -> None:
        self._tokens = tokens

    def authenticate(self, credential: str, *, now: datetime) -> Principal | Rejected | None:
        if not credential.startswith(PREFIX):
            return None
        token = self._tokens.authenticate(credential, now=now)
        if isinstance(token, str):
            return Rejected(token)
        return replace(token.principal, token_id=token.token_id)


def current_actor() -> Actor:
    """The caller, in the role the policy allowed this request under."""
    actor = request_state().actor
    if actor is None:
        raise RuntimeError("no caller: the request was not authenticated")
    return actor
