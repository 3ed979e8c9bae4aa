"""A token's grant: who gave which roles to whom until when, who approved it, who revoked it.

The token table is the fast lookup; the grant is the record an auditor believes, an event stream
in the signed tree like every other. It holds the token's id and the SHA-256 of its secret (never
the secret), the holder's staff id, roles and department, a digest of their display name, the
expiry, and the issuer with the token the issuer used. A grant that needs a second
administrator (the two-person rule, `ledger.access.grants`) is pending until `approve` by someone
who is neither its issuer nor its holder.
"""

import hashlib
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import DomainError


def grant_id(token_id: str) -> UUID:
    """The grant's stream id, derived from the token's id."""
    return uuid5(NAMESPACE_URL, f"/tokens/{token_id}")


def name_digest(name: str) -> str:
    """What a grant keeps of the holder's display name: enough to detect an edit of the row."""
    return hashlib.sha256(name.encode()).hexdigest()


class Grant(Aggregate):
    """The record of one bearer token's issue, approval and revocation."""

    @staticmethod
    def create_id(token_id: str) -> UUID:
        return grant_id(token_id)

    @event("Issued")
    def __init__(
        self,
        *,
        token_id: str,
        token_hash: str,
        staff_id: str,
        name_digest: str,
        roles: list[str],
        department: str | None,
        expires_at: datetime,
        issued_at: datetime,
        issued_by: str,
        issued_with: str | None,
        needs_approval: bool,
    ) -> None:
        self.token_id = token_id
        self.token_hash = token_hash
        self.staff_id = staff_id
        self.name_digest = name_digest
        self.roles = list(roles)
        self.department = department
        self.expires_at = expires_at
        self.issued_at = issued_at
        self.issued_by = issued_by
        self.issued_with = issued_with
        self.needs_approval = needs_approval
        self.approved_by: str | None = None
        self.approved_with: str | None = None
        self.approved_at: datetime | None = None
        self.revoked_by: str | None = None
        self.revoked_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.needs_approval and self.approved_by is None and self.revoked_at is None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.pending:
            return "pending"
        return "expired" if now >= self.expires_at else "active"

    def approve(self, *, by: str, token_id: str | None, at: datetime) -> None:
        """A second administrator's approval: never the issuer's, never the holder's own."""
        if self.revoked_at is not None:
            raise DomainError("the token was revoked; issue a new one")
        if not self.pending:
            raise DomainError("the token needs no approval (or has it already)")
        if by == self.issued_by:
            raise DomainError("the administrator who issued a token cannot approve it")
        if by == self.staff_id:
            raise DomainError("nobody approves a token of their own")
        self._approved(approved_by=by, approved_with=token_id, approved_at=at)

    @event("Approved")
    def _approved(
        self, *, approved_by: str, approved_with: str | None, approved_at: datetime
    ) -> None:
        self.approved_by = approved_by
        self.approved_with = approved_with
        self.approved_at = approved_at

    def revoke(self, *, by: str, token_id: str | None, at: datetime) -> None:
        """Revoke the grant; a second revocation keeps the first."""
        if self.revoked_at is None:
            self._revoked(revoked_by=by, revoked_with=token_id, revoked_at=at)

    @event("Revoked")
    def _revoked(self, *, revoked_by: str, revoked_with: str | None, revoked_at: datetime) -> None:
        self.revoked_by = revoked_by
        self.revoked_at = revoked_at
