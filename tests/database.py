"""The PostgreSQL server the tests use.

`LEDGER_TEST_DATABASE_URL` names one (`LEDGER_TEST_POSTGRES_URL`, its older name, too). Without
either, the tests start the embedded server that the service itself uses by default
(ledger/store/embedded.py), with its cluster in `var/test/pg` of this checkout and a database
`test`, once for the whole run: every test process joins it, and the last one to exit stops it.
So `make test` needs no PostgreSQL installed.
"""

import os
from functools import cache
from pathlib import Path

from ledger.store.embedded import embedded_database_url

TEST_DATA_DIR = Path(__file__).resolve().parent.parent / "var" / "test"


@cache
def server_url() -> str:
    """The URL of the tests' PostgreSQL database (schemas of its own per test go inside it)."""
    for name in ("LEDGER_TEST_DATABASE_URL", "LEDGER_TEST_POSTGRES_URL"):
        if url := os.environ.get(name, "").strip():
            return url
    return embedded_database_url(TEST_DATA_DIR, "test")
