"""The production HTTP server: waitress for one process, gunicorn for several on one port.

One process (`LEDGER_WORKERS=1`, the default below four CPUs) is waitress with `LEDGER_THREADS`
threads; SIGTERM ends it as an exit does, so that the embedded PostgreSQL server stops with its
last user. Several are gunicorn's pre-fork arbiter with `gthread` workers, each building its own
app (nothing is opened before the fork) with its own connection pool; the pools are sized so
that all of them fit the database's `max_connections`. Background jobs run in one process of
all (`api.background`). SIGTERM stops gracefully: the arbiter lets every worker finish the
requests it has, then exits; a worker whose arbiter is killed outright dies with it (Linux).
"""

import ctypes
import ctypes.util
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Flask

from api.config import Settings
from ledger.errors import PolicyError
from ledger.store.settings import direct_connection, settings_for_url

# Connections left over for everything that is not a server worker: the CLI, `ledger
# projections run`, an operator's psql, PostgreSQL's own reserved slots aside.
HEADROOM_CONNECTIONS = 10
# Per process beyond its pool: the background jobs' lock, the projection worker's LISTEN and the
# complaint and incident reference leases (each kept from the process's first registration).
OWN_CONNECTIONS = 4
DEFAULT_POOL_SIZE, DEFAULT_MAX_OVERFLOW = 10, 20
GRACEFUL_SECONDS = 8
_PR_SET_PDEATHSIG = 1


def serve_one(app: Flask, settings: Settings) -> None:
    """Serve `app` in this process, under waitress, until stopped."""
    import waitress

    signal.signal(signal.SIGTERM, _exit)
    waitress.serve(
        app, host=settings.host, port=settings.port, threads=settings.threads, ident="ledger"
    )


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(0)  # waitress ends its loop on it, and `ledger serve` exits cleanly


def serve_many(settings: Settings, build: Callable[[Settings], Flask]) -> None:
    """Serve `build(settings)` in `settings.processes` gunicorn workers until stopped."""
    settings = fit_pools(settings, max_connections=_max_connections(settings))
    _Gunicorn(settings, build).run()


def fit_pools(settings: Settings, *, max_connections: int) -> Settings:
    """Settings whose per-process pool lets `settings.processes` processes fit the database.

    A pool named in the URL (`?pool_size=&max_overflow=`) is kept if it fits and refused with
    one line if not; otherwise the default pool (10 + 20 overflow) shrinks to fit.
    """
    parts = urlsplit(settings.store_url)
    query = dict(parse_qsl(parts.query))
    processes = settings.processes
    per_process = (max_connections - HEADROOM_CONNECTIONS) // processes - OWN_CONNECTIONS
    if "pool_size" in query or "max_overflow" in query:
        wanted = int(query.get("pool_size", DEFAULT_POOL_SIZE)) + int(
            query.get("max_overflow", DEFAULT_MAX_OVERFLOW)
        )
        if wanted > per_process:
            raise PolicyError(
                f"LEDGER_WORKERS: {processes} processes with pools of {wanted} connections do "
                f"not fit PostgreSQL's max_connections ({max_connections}); lower the pool or "
                "the workers"
            )
        return settings
    total = min(DEFAULT_POOL_SIZE + DEFAULT_MAX_OVERFLOW, per_process)
    if total < 2:
        raise PolicyError(
            f"LEDGER_WORKERS: {processes} processes do not fit PostgreSQL's max_connections "
            f"({max_connections}); lower LEDGER_WORKERS"
        )
    pool_size = min(DEFAULT_POOL_SIZE, total)
    query.update(pool_size=str(pool_size), max_overflow=str(total - pool_size))
    url = urlunsplit(parts._replace(query=urlencode(query)))
    return replace(settings, database_url=url)


def _max_connections(settings: Settings) -> int:
    with direct_connection(settings_for_url(settings.store_url)) as connection:
        row = connection.execute(
            "SELECT current_setting('max_connections')::int"
            " - current_setting('superuser_reserved_connections')::int"
        ).fetchone()
    return int(row[0]) if row else 0


def _die_with_the_arbiter() -> None:
    """A worker gets SIGKILL when its arbiter dies (so a killed server leaves no orphans)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class _Gunicorn:
    """gunicorn's arbiter configured from our settings, not from its command line or files."""

    def __init__(self, settings: Settings, build: Callable[[Settings], Flask]) -> None:
        from gunicorn.app.base import BaseApplication

        class Application(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                options: dict[str, Any] = {
                    "bind": f"{settings.host}:{settings.port}",
                    "workers": settings.processes,
                    "worker_class": "gthread",
                    "threads": settings.threads,
                    "graceful_timeout": GRACEFUL_SECONDS,
                    "proc_name": "ledger",
                    "accesslog": None,  # the operation log records every request
                    "errorlog": "-",
                    "control_socket_disable": True,  # no socket file in the user's home
                    "post_fork": lambda server, worker: _die_with_the_arbiter(),
                }
                for name, value in options.items():
                    self.cfg.set(name, value)

            def load(self) -> Flask:
                return build(settings)  # in each worker, after the fork

        self._application = Application()

    def run(self) -> None:
        self._application.run()


__all__ = ["fit_pools", "serve_many", "serve_one"]
