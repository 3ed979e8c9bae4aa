"""Whether a token row still says what its grant in the ledger says.

Authentication refuses a row that disagrees with its grant, and `ledger verify` reports every
such row (`ledger.integrity.grant_checks`): both ask `differences`.
"""

from ledger.access.grant import Grant, name_digest
from ledger.access.tokens import TokenInfo


def differences(token: TokenInfo, grant: Grant | None) -> list[str]:
    """What a token row says that its grant does not (empty when they agree)."""
    if grant is None:
        return ["no grant"]
    p = token.principal
    found = [
        name
        for name, row, granted in (
            ("token hash", token.token_hash, grant.token_hash),
            ("staff id", p.staff_id, grant.staff_id),
            ("name", name_digest(p.name), grant.name_digest),
            ("roles", list(p.roles), list(grant.roles)),
            ("department", p.department, grant.department),
            ("expiry", token.expires_at, grant.expires_at),
            ("issue time", token.created_at, grant.issued_at),
            ("issuer", token.created_by, grant.issued_by),
        )
        if row != granted
    ]
    if grant.revoked_at is not None and token.revoked_at is None:
        found.append("revocation")
    return found
