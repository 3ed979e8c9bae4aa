"""Tokens issued, approved and revoked as grants in the ledger; every token row checked against one.

`TokenGrants` is the only way a token comes to be: it saves the token's `Grant` (an event stream,
chained and in the Merkle tree) and then its row in the token table. Authentication finds the row
by the secret's hash and accepts it only if the row still says what its grant says (an insider
who adds `administrator` to a row, extends its expiry or changes its staff id is refused, and the
refusal logged) and the grant is active: approved where it needed approval, never revoked.
`ledger verify` runs `differences` (`ledger.access.agreement`) over every row
(`ledger.integrity.grant_checks`).

The two-person rule: a token with a role in `needs_second_approval` (roles that reveal personal
data in clear, destroy it, or grant roles: `ledger.access.policy.GUARDED_ROLES`) is pending until
a second administrator approves it, neither its issuer nor its holder.
"""

import dataclasses
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Final

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

from ledger.access.agreement import differences
from ledger.access.grant import Grant, grant_id, name_digest
from ledger.access.policy import GUARDED_ROLES
from ledger.access.tokens import (
    Principal,
    TokenError,
    TokenInfo,
    TokenStore,
    hash_token,
    new_token,
)
from ledger.application.service import LedgerApplication
from ledger.errors import DomainError, NotFoundError
from privacy.db.single_reads import select_rows

log = logging.getLogger(__name__)


class FieldError(TokenError):
    """A token request refused because of one named field."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class TakenError(TokenError):
    """A token refused because of what is stored now (a conflict, not a malformed request)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def needs_second_approval(roles: Iterable[str]) -> bool:
    return any(role in GUARDED_ROLES for role in roles)


# Grants replayed by authentication, kept per token hash (at most this many).
_REPLAYED_GRANTS: Final = 4096


class TokenGrants:
    """Issue, approve, revoke and authenticate tokens: the grant first, then the row.

    Authentication reads the token's row and its grant on every request. A grant it has
    replayed before is kept with its version: the statement that reads the row also reads the
    grant stream's version, and only when that moved (an approval, a revocation) is the grant
    replayed again. Events are never updated or deleted, so a grant replayed at version v is
    the grant for as long as the stream stays at v.
    """

    def __init__(self, app: LedgerApplication, store: TokenStore) -> None:
        self._app = app
        self.store = store
        self._replayed: dict[str, Grant] = {}  # token hash -> its grant as last replayed
        recorder: Any = app.recorder
        # The table's name is the store's configuration, not input.
        self._events_table = f'"{recorder.datastore.schema}".{recorder.events_table_name}'

    def grant(self, token_id: str) -> Grant | None:
        try:
            found = self._app.repository.get(grant_id(token_id))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Grant) else None

    def issue(
        self,
        principal: Principal,
        *,
        known_roles: Sequence[str],
        now: datetime,
        expires_at: datetime,
        created_by: str,
        issued_with: str | None = None,
        two_person_rule: bool = False,
        departments: Sequence[str] | None = None,
        secret: str | None = None,
    ) -> tuple[TokenInfo, str]:
        """Record the grant and store the token; returns it and its secret (never stored).

        With `two_person_rule`, a token with a guarded role is pending until `approve`.
        `departments`, when given, are the only ones a token may name.
        """
        info, secret = new_token(
            principal,
            known_roles=known_roles,
            now=now,
            expires_at=expires_at,
            created_by=created_by,
            secret=secret,
        )
        if departments is not None and principal.department not in (None, *departments):
            raise FieldError(
                f"unknown department; expected one of {', '.join(departments)}", field="department"
            )
        self._check_staff_id(principal, now)
        pending = two_person_rule and needs_second_approval(principal.roles)
        grant = Grant(
            token_id=info.token_id,
            token_hash=info.token_hash,
            staff_id=principal.staff_id,
            name_digest=name_digest(principal.name),
            roles=list(principal.roles),
            department=principal.department,
            expires_at=expires_at,
            issued_at=now,
            issued_by=created_by,
            issued_with=issued_with,
            needs_approval=pending,
        )
        self._app.save(grant)
        self.store.insert(info, info.token_hash)
        return dataclasses.replace(info, pending=pending), secret

    def _check_staff_id(self, principal: Principal, now: datetime) -> None:
        """A staff id belongs to one person: refuse it while another name holds a live token."""
        for token in self.store.tokens_of(principal.staff_id):
            if token.state(now) == "active" and token.principal.name != principal.name:
                raise TakenError(
                    "this staff id holds an active token under another name", field="staff_id"
                )

    def approve(
        self, token_id: str, *, by: str, token_used: str | None, now: datetime
    ) -> TokenInfo:
        """A second administrator's approval of a pending token (DomainError if not allowed)."""
        grant = self.grant(token_id)
        token = self.store.get(token_id)
        if grant is None or token is None:
            raise NotFoundError("no token with that id")
        if differences(token, grant):
            raise DomainError("the token's row differs from its grant; it cannot be approved")
        grant.approve(by=by, token_id=token_used, at=now)
        self._app.save(grant)
        return self._with_grant(token, grant)

    def revoke(
        self, token_id: str, *, by: str, token_used: str | None, now: datetime
    ) -> TokenInfo | None:
        """Revoke a token (its grant, then its row); None if there is no such id."""
        grant = self.grant(token_id)
        if grant is not None:
            grant.revoke(by=by, token_id=token_used, at=now)
            self._app.save(grant)
        token = self.store.revoke(token_id, now=now, revoked_by=by)
        return None if token is None else self._with_grant(token, grant)

    def granted(self) -> list[str]:
        """The id of every token a grant in the ledger was issued for, oldest first."""
        recorder: Any = self._app.recorder
        datastore = recorder.datastore
        # The table's name is the store's configuration, not input.
        table = f'"{datastore.schema}".{recorder.events_table_name}'
        rows = select_rows(
            datastore,
            f"SELECT originator_id FROM {table} WHERE topic = %s ORDER BY notification_id",  # noqa: S608
            (get_topic(Grant.Issued),),  # type: ignore[attr-defined]
        )
        found = (self._app.repository.get(r["originator_id"]) for r in rows)
        return [grant.token_id for grant in found if isinstance(grant, Grant)]

    def get(self, token_id: str) -> TokenInfo | None:
        token = self.store.get(token_id)
        return None if token is None else self._with_grant(token, self.grant(token_id))

    def all_tokens(self) -> list[TokenInfo]:
        return [self._with_grant(t, self.grant(t.token_id)) for t in self.store.all_tokens()]

    def count(self) -> int:
        return self.store.count()

    def authenticate(self, secret: str, *, now: datetime) -> TokenInfo | str:
        """The token this secret opens, if its row agrees with its grant; else why not."""
        token, grant = self._token_and_grant(secret)
        if token is None:
            return "the token is not valid"
        if changed := differences(token, grant):
            log.warning(
                "token %s refused: its row differs from its grant (%s)",
                token.token_id,
                ", ".join(changed),
            )
            return "the token is not valid"
        token = self._with_grant(token, grant)
        state = token.state(now)
        return token if state == "active" else f"the token is {state}"

    def _token_and_grant(self, secret: str) -> tuple[TokenInfo | None, Grant | None]:
        """The token's row and its grant, both as stored now: in one round trip when the
        grant was replayed before and has not changed since."""
        known = self._replayed.get(hash_token(secret))
        if known is None:
            token = self.store.find(secret)
        else:
            token, version = self.store.find_with_stream_version(
                secret, events_table=self._events_table, stream_id=known.id
            )
            if token is not None and version == known.version:
                if grant_id(token.token_id) == known.id:
                    return token, known
        if token is None:
            return None, None
        grant = self.grant(token.token_id)
        if grant is not None:
            if len(self._replayed) >= _REPLAYED_GRANTS:
                self._replayed.clear()
            self._replayed[token.token_hash] = grant
        return token, grant

    @staticmethod
    def _with_grant(token: TokenInfo, grant: Grant | None) -> TokenInfo:
        if grant is None:
            return token
        return dataclasses.replace(
            token,
            pending=grant.pending,
            approved_by=grant.approved_by,
            revoked_at=token.revoked_at or grant.revoked_at,
            revoked_by=token.revoked_by or grant.revoked_by,
        )
