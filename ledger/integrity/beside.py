"""What plain `ledger verify` checks beside the events, given the ledger application.

`verify_ledger` itself reads only the tables; these checks need the application too (its
mapper, its grants, its master key): the checkpoints recorded as events, the token rows against
their grants, and every live data key opening under the master key. The service, the command
line and the tests all attach them here, so each verifies the same things.
"""

from ledger.access.grants import TokenGrants
from ledger.access.tokens import TokenStore
from ledger.application.service import LedgerApplication
from ledger.integrity.checkpoint_records import record_checkpoints
from ledger.integrity.grant_checks import grant_check
from ledger.integrity.key_checks import opening_check
from ledger.integrity.service import Integrity


def check_beside(integrity: Integrity, ledger: LedgerApplication) -> None:
    """Record each checkpoint in the ledger, and have `verify` check the side tables too."""
    record_checkpoints(integrity, ledger)
    datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    integrity.checks.append(grant_check(TokenGrants(ledger, TokenStore(datastore))))
    integrity.checks.append(opening_check(integrity.tables, ledger.keys.keyring))
