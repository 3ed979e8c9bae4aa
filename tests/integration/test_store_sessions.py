"""The service's connections: a statement timeout and no JIT compilation on each one.

PostgreSQL compiles a statement at every execution once its estimated cost passes
`jit_above_cost`: at 10 M events a 1 ms proof lookup whose estimate went wrong cost 130 ms of
compiling. The wired ledger's connections run without it, those opened before the wiring too.
"""

from pathlib import Path

from api.config import Settings
from api.wiring.ledger import build_ledger
from tests.conftest import provision_keys


def _session_settings(settings: Settings) -> list[tuple[str, str]]:
    provision_keys(settings.data_dir)
    ledger = build_ledger(settings)
    try:
        datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
        seen = []
        for _ in range(3):  # connections of the pool, whichever it hands out
            with datastore.get_connection() as connection:
                jit = connection.execute("SHOW jit").fetchone()
                timeout = connection.execute("SHOW statement_timeout").fetchone()
                seen.append((next(iter(jit.values())), next(iter(timeout.values()))))
        return seen
    finally:
        ledger.close()


def test_every_connection_runs_without_jit_and_with_the_statement_timeout(
    database_url: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, statement_timeout=7)
    assert set(_session_settings(settings)) == {("off", "7s")}


def test_no_statement_timeout_still_means_no_jit(database_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, statement_timeout=0)
    assert set(_session_settings(settings)) == {("off", "0")}
