"""The default store: a private PostgreSQL server under the data directory, started by
`ledger serve` and the CLI when LEDGER_DATABASE_URL is unset, and stopped with its last user."""

import os
import signal
import stat
from pathlib import Path

import psycopg

from api.config import Settings
from ledger.access.tokens import TOKEN_PATTERN
from ledger.store.embedded import database_url
from tests.api.test_cli import ledger_command
from tests.served import serve

# Root's server runs as another user, which must be able to pass through the data directory.
PRIVATE = 0o711 if os.geteuid() == 0 else 0o700


def _server_pid(cluster: Path) -> int | None:
    pid_file = cluster / "postmaster.pid"
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def test_serve_starts_a_private_socket_only_server_and_stops_it_on_sigterm(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    with serve(data_dir) as served:
        token = ""
        for line in served.lines():
            if found := TOKEN_PATTERN.search(line):
                token = found.group()
            if line.startswith("Every /v1 request"):
                break
        status, _, _ = served.call(
            "GET", "/v1/tokens", headers={"Authorization": f"Bearer {token}"}
        )
        assert status == 200
        assert stat.S_IMODE(data_dir.stat().st_mode) == PRIVATE
        with psycopg.connect(database_url(data_dir / "pg", "ledger")) as connection:
            row = connection.execute("SELECT current_setting('listen_addresses')").fetchone()
        assert row == ("",)  # no TCP at all: the socket in the data directory only
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=30) == 0  # a clean stop: waitress ends its loop
    assert _server_pid(data_dir / "pg") is None


def test_a_cli_command_joins_the_running_server_and_leaves_it_running(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with serve(data_dir):
        server = _server_pid(data_dir / "pg")
        assert server is not None
        listed = ledger_command(data_dir, "tokens", "list")
        assert listed.returncode == 0, listed.stderr
        assert "administrator" in listed.stdout  # the one `ledger serve` created
        assert _server_pid(data_dir / "pg") == server
    assert _server_pid(data_dir / "pg") is None


def test_a_cli_command_alone_starts_the_server_and_stops_it_when_done(tmp_path: Path) -> None:
    listed = ledger_command(tmp_path, "tokens", "list")
    assert listed.returncode == 0, listed.stderr
    assert (tmp_path / "pg" / "PG_VERSION").exists()
    assert _server_pid(tmp_path / "pg") is None


def test_with_a_database_url_nothing_is_started(tmp_path: Path, postgres_schema_url: str) -> None:
    listed = ledger_command(
        tmp_path, "tokens", "list", LEDGER_DATABASE_URL=postgres_schema_url,
        LEDGER_MASTER_KEY="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert not (tmp_path / "pg").exists()
    assert Settings(data_dir=tmp_path, database_url=postgres_schema_url).store_url == (
        postgres_schema_url
    )


def test_the_data_directory_is_made_private(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    listed = ledger_command(tmp_path, "tokens", "list")
    assert listed.returncode == 0, listed.stderr
    assert stat.S_IMODE(tmp_path.stat().st_mode) == PRIVATE
