"""`python -m tests.bench.peer.serve`: the peer under the ledger's server shape.

    PEER_PORT=8001 PEER_WORKERS=1 PEER_THREADS=16 PEER_SCHEMA=bench_x \
        python -m tests.bench.peer.serve

One process is waitress with PEER_THREADS threads; several are gunicorn's arbiter with `gthread`
workers, each building its own app after the fork: the shapes `ledger serve` uses
(api/server.py), so that a side-by-side run compares the code, not the server. The database is
BENCH_POSTGRES_URL (tests/bench/database.py) in schema PEER_SCHEMA; each process has the
ledger's default pool (10 connections, 20 more on demand).
"""

import ctypes
import ctypes.util
import os
import signal
import sys
from typing import Any

from flask import Flask

from tests.bench.database import library_settings
from tests.bench.peer.domain import Complaints
from tests.bench.peer.web import create_app

POOL_SIZE, MAX_OVERFLOW = 10, 20  # as the ledger's default pool (api/server.py)


def _settings() -> dict[str, str]:
    settings = library_settings(os.environ["PEER_SCHEMA"], pool_size=POOL_SIZE)
    settings["POSTGRES_MAX_OVERFLOW"] = str(MAX_OVERFLOW)
    return settings


def build() -> Flask:
    return create_app(_settings())


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _die_with_the_arbiter() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: no orphan when the arbiter is killed


def serve(port: int, workers: int, threads: int) -> None:
    if workers <= 1:
        import waitress

        signal.signal(signal.SIGTERM, _exit)
        waitress.serve(build(), host="127.0.0.1", port=port, threads=threads, ident="peer")
        return
    from gunicorn.app.base import BaseApplication

    # The tables are made here, once, before the workers fork: two workers making them at once
    # in a fresh schema can collide, and gunicorn stops when a worker fails to boot.
    Complaints(env=_settings()).close()

    class Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"127.0.0.1:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                "graceful_timeout": 8,
                "proc_name": "peer",
                "accesslog": None,
                "errorlog": "-",
                "control_socket_disable": True,
                "post_fork": lambda server, worker: _die_with_the_arbiter(),
            }
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self) -> Flask:
            return build()

    Application().run()


if __name__ == "__main__":
    serve(
        int(os.environ["PEER_PORT"]),
        int(os.environ.get("PEER_WORKERS", "1")),
        int(os.environ.get("PEER_THREADS", "16")),
    )
