"""`ledger verify`, on the token table: every row must say what its grant in the ledger says.

A token row edited in the database (a role added, an expiry moved, a staff id changed, a
revocation undone), a row with no grant (inserted around the ledger) and a grant whose row is
gone are each a break, named by the token's id (the row of `ledger_access_tokens`). The grants
themselves are events: their chains and the tree are checked with every other stream's.
"""

from collections.abc import Callable
from typing import Final

from ledger.access.agreement import differences
from ledger.access.grant import Grant
from ledger.access.grants import TokenGrants
from ledger.integrity.breaks import ALTERED, INSERTED, MISSING, Break, Report
from ledger.integrity.checkpoints import Checkpoint

TABLE: Final = "ledger_access_tokens"


def check_grants(grants: TokenGrants, granted: list[str]) -> list[Break]:
    """The breaks between the token rows and their grants; `granted`: every granted token id."""
    breaks = []
    rows = grants.store.all_tokens()
    for token in rows:
        grant = grants.grant(token.token_id)
        if grant is None:
            breaks.append(
                Break(
                    INSERTED,
                    f"token {token.token_id}: a token row with no grant in the ledger",
                    table=TABLE,
                    row=token.token_id,
                )
            )
        elif changed := differences(token, grant):
            breaks.append(
                Break(
                    ALTERED,
                    f"token {token.token_id}: its row differs from its grant in "
                    f"{', '.join(changed)}",
                    stream_id=grant.id,
                    table=TABLE,
                    row=token.token_id,
                )
            )
    stored = {token.token_id for token in rows}
    for token_id in granted:
        if token_id not in stored:
            breaks.append(
                Break(
                    MISSING,
                    f"token {token_id}: granted, but its row is gone",
                    table=TABLE,
                    row=token_id,
                )
            )
    return breaks


def grant_check(grants: TokenGrants) -> Callable[[Report, list[Checkpoint]], None]:
    """The token table's part of plain `ledger verify`."""

    def check(report: Report, checkpoints: list[Checkpoint]) -> None:
        report.breaks.extend(check_grants(grants, grants.granted()))

    return check


__all__ = ["Grant", "check_grants", "grant_check"]
