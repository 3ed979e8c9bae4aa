"""One schema change at a time across processes sharing a PostgreSQL database.

`CREATE OR REPLACE FUNCTION` and `CREATE OR REPLACE TRIGGER` rewrite their catalog rows even when
nothing changes, so two processes starting together (the service and a projection worker, or two
`ledger verify` runs) fail with "tuple concurrently updated". Every transaction that creates or
replaces such objects takes this transaction-scoped advisory lock first.
"""

from typing import Any

# An arbitrary constant naming "the ledger's schema changes" among advisory locks.
SCHEMA_LOCK_KEY = 0x1ED9E5


def serialise_schema_changes(cursor: Any) -> None:
    """Wait for any other process's schema change in flight; held until this transaction ends."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
