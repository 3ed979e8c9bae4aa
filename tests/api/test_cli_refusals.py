"""The `ledger` command's refusals: one line on stderr naming the cause, a non-zero exit, and
nothing created or changed on the way."""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

from api.cli.main import main
from ledger.application.service import LedgerApplication
from tests.conftest import POSTGRES_URL, require_postgres


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, environment: Path) -> Path:
    monkeypatch.chdir(environment)  # where a command given a relative output path writes
    return environment


@pytest.fixture
def missing_schema(monkeypatch: pytest.MonkeyPatch, environment: Path) -> Iterator[str]:
    """A schema no ledger was ever made in, named in LEDGER_DATABASE_URL; dropped afterwards in
    case a command created it."""
    require_postgres()
    schema = f"no_ledger_{uuid4().hex[:12]}"
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"{POSTGRES_URL}?schema={schema}")
    yield schema
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )


def _schema_exists(schema: str) -> bool:
    with psycopg.connect(POSTGRES_URL) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = %s", (schema,)
        ).fetchone()
    return bool(row and row[0])


def test_verify_in_a_schema_without_a_ledger_is_refused_with_one_line(
    missing_schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify"]) == 2
    assert capsys.readouterr().err == f"ledger: no ledger in schema {missing_schema}\n"


@pytest.mark.parametrize(
    "command",
    [
        ["verify"],
        ["checkpoint"],
        ["oplog", "verify"],
        ["projections", "status"],
        ["report", "weekly"],
        ["evidence", "export", "CMP-2026-000001", "--staff", "co-1"],
        ["archive", "export", "--from", "2026-01-01", "--to", "2027-01-01", "out.tar"],
        ["retention", "run", "--dry-run"],
        ["review", "export", "INC-2026-000001", "--format", "md", "--output", "r.md"],
        ["subjects", "erase", str(uuid4()), "--legal-basis", "x", "--staff", "dpo-1"],
    ],
    ids=lambda command: " ".join(command[:2]),
)
def test_a_command_on_an_existing_ledger_creates_none_in_a_mistyped_schema(
    missing_schema: str, command: list[str]
) -> None:
    assert main(command) == 2
    assert not _schema_exists(missing_schema)


@pytest.mark.parametrize(
    "command",
    [
        ["verify", "--checkpoint", "{bin}"],
        ["verify-proof", "--proof", "{bin}", "--checkpoint", "{}", "--public-key", "{}"],
        ["verify-proof", "--proof", "{}", "--checkpoint", "{bin}", "--public-key", "{}"],
        ["verify-proof", "--proof", "{}", "--checkpoint", "{}", "--public-key", "{bin}"],
        [
            "verify-proof",
            "--witness-key",
            "{bin}",
            "--proof",
            "{}",
            "--checkpoint",
            "{}",
            "--public-key",
            "{}",
        ],
        ["archive", "verify", "{}", "--public-key", "{bin}"],
        ["evidence", "verify", "{}", "--key", "{bin}"],
    ],
    ids=[
        "verify --checkpoint",
        "verify-proof --proof",
        "verify-proof --checkpoint",
        "verify-proof --public-key",
        "verify-proof --witness-key",
        "archive verify --public-key",
        "evidence verify --key",
    ],
)
def test_a_file_that_is_not_utf8_text_is_named_in_one_line(
    environment: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    binary = environment / "bin.dat"
    binary.write_bytes(b"\xff\xfe\x00binary")
    empty_json = environment / "empty.json"
    empty_json.write_text("{}")
    arguments = [
        str(binary) if a == "{bin}" else str(empty_json) if a == "{}" else a for a in command
    ]
    assert main(arguments) == 2
    assert capsys.readouterr().err == f"ledger: {binary}: not UTF-8 text\n"


@pytest.mark.parametrize(
    "command",
    [
        ["verify", "--checkpoint", "{missing}"],
        ["archive", "verify", "{missing}"],
        ["archive", "export", "--from", "2026-01-01", "--to", "2027-01-01", "{missing}"],
    ],
    ids=["verify --checkpoint", "archive verify", "archive export"],
)
def test_a_missing_file_or_directory_is_named_in_one_line(
    environment: Path,
    ledger: LedgerApplication,
    command: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = environment / "no-such-directory" / "file.tar"
    assert main([str(missing) if a == "{missing}" else a for a in command]) == 2
    assert capsys.readouterr().err == f"ledger: {missing}: No such file or directory\n"


@pytest.mark.parametrize(
    ("user", "database", "cause"),
    [
        ("no_such_role", "{database}", 'role "no_such_role" does not exist'),
        ("{user}", "no_such_database", 'database "no_such_database" does not exist'),
    ],
    ids=["unknown role", "unknown database"],
)
def test_a_wrong_database_url_is_refused_with_the_servers_reason_and_no_password(
    environment: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    user: str,
    database: str,
    cause: str,
) -> None:
    server = urlsplit(POSTGRES_URL)
    user = user.format(user=server.username)
    database = database.format(database=server.path.lstrip("/"))
    url = f"postgresql://{user}:secret-pw@{server.hostname}:{server.port or 5432}/{database}"
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    monkeypatch.setenv("LEDGER_DB_TIMEOUT", "1")
    assert main(["tokens", "list"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("ledger: cannot use the database: ")
    assert cause in error
    assert error.count("\n") == 1
    assert "secret-pw" not in error
