"""Identity dicts in tests (AGENT, SUPERVISOR, ...) stand for principals; this mints their tokens.

The dicts stay plain data naming a staff id, role and department. A client that receives one as
`headers=` swaps it for `Authorization: Bearer <token>`, minted once per principal in the
service under test, so every test runs through real authentication.
"""

import threading
from collections.abc import Callable, Mapping

from ledger.access.tokens import Principal

STAFF_ID, ROLE, DEPARTMENT = "X-Staff-Id", "X-Staff-Role", "X-Staff-Department"
IDENTITY_KEYS = (STAFF_ID, ROLE, DEPARTMENT)


def principal_of(identity: Mapping[str, str]) -> Principal:
    return Principal(
        staff_id=identity[STAFF_ID],
        name=identity[STAFF_ID],
        roles=tuple(identity[ROLE].split(",")),
        department=identity.get(DEPARTMENT) or None,
    )


def with_bearer(headers: Mapping[str, str], mint: Callable[[Principal], str]) -> dict[str, str]:
    """`headers` with any identity keys replaced by a bearer token for that principal."""
    rest = {k: v for k, v in headers.items() if k not in IDENTITY_KEYS}
    if STAFF_ID not in headers:
        return rest
    return rest | {"Authorization": f"Bearer {mint(principal_of(headers))}"}


class TokenCache:
    """Mints one token per principal through `issue` and remembers it."""

    def __init__(self, issue: Callable[[Principal], str]) -> None:
        self._issue = issue
        self._tokens: dict[Principal, str] = {}
        self._lock = threading.Lock()  # racing test threads mint each token once

    def __call__(self, principal: Principal) -> str:
        with self._lock:
            if principal not in self._tokens:
                self._tokens[principal] = self._issue(principal)
            return self._tokens[principal]
