"""Shared fixtures: a PostgreSQL schema per test, an injectable clock and the application on it.

PostgreSQL comes from tests/database.py: LEDGER_TEST_DATABASE_URL, else a private embedded server. When it
cannot be reached the PostgreSQL tests skip with the reason, except under CI, where they fail.
Each PostgreSQL test gets a schema of its own, dropped afterwards.
"""

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory
from uuid import uuid4

import psycopg
import pytest

from ledger.access.tokens import TOKEN_PATTERN
from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.signing_key import load_signing_key
from ledger.store.settings import settings_for_url
from privacy.keys.master_key import MasterKeyring, key_id_for, load_keyring
from tests import openapi_copies, url_builders
from tests.database import server_url
from tests.schema_pool import SchemaPool

openapi_copies.install()  # test-only: each app's API document is built faster, the same
url_builders.install()  # test-only: URL rules of the same shape share their compiled builders

# A fixed test master key; never a production one.
TEST_MASTER_KEY = bytes(range(32))
TEST_MASTER_KEY_B64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
# A fixed test checkpoint signing key (Ed25519 seed); never a production one.
TEST_SIGNING_SEED = bytes(range(100, 132))
TEST_SIGNING_KEY_B64 = "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM="

POSTGRES_URL = server_url()  # tests/database.py: a named server, else the embedded one
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@cache
def _postgres_unreachable_reason() -> str | None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"PostgreSQL at {POSTGRES_URL} is unreachable: {str(error).strip()}"


def require_postgres() -> None:
    """Skip loudly without PostgreSQL; under CI, fail instead, so nothing skips quietly."""
    reason = _postgres_unreachable_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: PostgreSQL tests must run)", pytrace=False)
    pytest.skip(f"SKIPPING POSTGRESQL TEST: {reason}")


def _complete_schema() -> str:
    """A schema holding everything the app creates: the pool's reference (tests/schema_pool.py)."""
    from api.app import create_app  # the app is built only when a PostgreSQL test first needs it
    from api.config import Settings

    schema = f"test_{uuid4().hex[:12]}"
    with TemporaryDirectory() as data_dir:
        settings = Settings(
            data_dir=Path(data_dir),
            database_url=f"{POSTGRES_URL}?schema={schema}",
            master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
            signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
        )
        create_app(settings, clock=ManualClock(START)).extensions["ledger"].close()
    return schema


SCHEMAS = SchemaPool(POSTGRES_URL, _complete_schema)


@contextmanager
def fresh_schema_url() -> Iterator[str]:
    """A PostgreSQL URL with a schema of its own: new, or emptied after an earlier test (the
    schema pool); on leaving it is emptied for the next test, or dropped."""
    require_postgres()
    schema = SCHEMAS.take() or f"test_{uuid4().hex[:12]}"
    try:
        # Two connections opened at start, not the default ten: an app is built for most tests,
        # and its pool still grows when a test's threads ask for more.
        yield f"{POSTGRES_URL}?pool_size=2&schema={schema}"
    finally:
        SCHEMAS.give_back(schema)


@pytest.fixture(scope="session", autouse=True)
def _pooled_schemas_dropped_at_the_end() -> Iterator[None]:
    yield
    SCHEMAS.close()


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A PostgreSQL URL with a fresh schema, dropped after the test."""
    with fresh_schema_url() as url:
        yield url


def provision_keys(data_dir: Path) -> None:
    """Create the master and signing key files a first start generates in `data_dir`, for a
    service given a database URL (which, unlike the embedded default, generates no keys)."""
    load_keyring({}, data_dir, generate_if_missing=True)
    load_signing_key({}, data_dir, generate_if_missing=True)


@pytest.fixture
def database_url(postgres_schema_url: str) -> str:
    """The store under test: a schema of its own on the test server."""
    return postgres_schema_url


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Path:
    """The `ledger` command's settings: the test's database and keys, data under `tmp_path`."""
    for name, value in {
        "LEDGER_DATA_DIR": str(tmp_path),
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64,
        "LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64,
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def keyring() -> MasterKeyring:
    key_id = key_id_for(TEST_MASTER_KEY)
    return MasterKeyring(current_id=key_id, keys={key_id: TEST_MASTER_KEY}, source="tests")


@pytest.fixture
def ledger(
    database_url: str, clock: ManualClock, keyring: MasterKeyring
) -> Iterator[LedgerApplication]:
    """The application on the test's own schema, with a clock the test moves."""
    app = LedgerApplication(settings_for_url(database_url), keyring=keyring, clock=clock)
    yield app
    app.close()


# Personal-data marker strings that tests file; no log record of the whole suite may carry one.
PERSONAL_MARKERS: set[str] = set()


class _KeepRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_personal_data_in_logs() -> Iterator[None]:
    """Every test runs with logging at DEBUG; afterwards no record may hold a marker or token."""
    root = logging.getLogger()
    handler = _KeepRecords()
    level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    text = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {r.exc_info[1] if r.exc_info else ''}"
        for r in handler.records
    )
    leaked = sorted(m for m in PERSONAL_MARKERS if m in text)
    assert leaked == [], "personal data reached a log record"
    assert TOKEN_PATTERN.search(text) is None, "an access token reached a log record"


# The longest tests, started first so that no test process is left with one at the end.
LONG_FIRST = (
    "tests/test_bench_harness.py",
    "tests/reliability/",
    "tests/projections/test_crash.py",
    "tests/api/test_fuzz.py",
    "tests/retention/test_kill_and_rerun.py",
    "tests/integration/test_embedded_store.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest tests first: under `make test` (pytest-xdist, `--dist loadfile`, which keeps
    a module's tests, and so its module-scoped fixtures, in one process) neither process is
    left alone with a long one at the end."""
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_FIRST))
