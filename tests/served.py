"""Run `ledger serve` as a real process on a free loopback port, for end-to-end tests."""

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from api.config import Settings
from api.wiring.ledger import build_ledger
from ledger.access.grants import TokenGrants
from ledger.access.policy import ROLES
from ledger.access.tokens import Principal, TokenStore
from tests import forked
from tests.identities import TokenCache, with_bearer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    """A running service and a minimal JSON client for it."""

    base: str
    process: forked.Forked
    settings: Settings

    def __post_init__(self) -> None:
        self.tokens = TokenCache(self.issue_token)
        # Drain the service's output: a full pipe would block its logging, then every thread.
        self.output: deque[str] = deque(maxlen=2_000)
        self._arrived: queue.Queue[str | None] = queue.Queue()
        self._drain = threading.Thread(target=self._read_output, daemon=True)
        self._drain.start()

    def _read_output(self) -> None:
        if self.process.stdout is not None:
            for line in self.process.stdout:
                self.output.append(line)
                self._arrived.put(line)
        self._arrived.put(None)

    def lines(self, timeout: float = 30) -> Iterator[str]:
        """The service's output lines, from the first, as they arrive (until it exits)."""
        while (line := self._arrived.get(timeout=timeout)) is not None:
            yield line

    def issue_token(self, principal: Principal, lifetime: timedelta = timedelta(days=1)) -> str:
        """A real token for `principal`, written to the served store."""
        ledger = build_ledger(self.settings)
        try:
            now = ledger.clock.now()
            _, secret = TokenGrants(ledger, TokenStore(ledger.recorder.datastore)).issue(
                principal, known_roles=ROLES, now=now, expires_at=now + lifetime, created_by="tests"
            )
        finally:
            ledger.close()
        return secret

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        for name, value in with_bearer(headers or {}, self.tokens).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}"), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}"), dict(error.headers)


@contextmanager
def serve(
    data_dir: Path, database_url: str | None = None, *, port: int = 0, **extra_env: str
) -> Iterator[Served]:
    port = port or free_port()
    env = {
        **os.environ,
        "LEDGER_PORT": str(port),
        "LEDGER_DATA_DIR": str(data_dir),
        "LEDGER_DATABASE_URL": database_url or "",
        "LEDGER_MASTER_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "LEDGER_SIGNING_KEY": "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=",
        **extra_env,
    }
    process = forked.popen(
        [sys.executable, "-m", "api.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(
        f"http://127.0.0.1:{port}",
        process,
        Settings(
            data_dir=data_dir,
            database_url=database_url or "",
            master_key_settings={"LEDGER_MASTER_KEY": env["LEDGER_MASTER_KEY"]},
        ),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                served._drain.join(5)
                raise RuntimeError(f"ledger serve exited: {''.join(served.output)}")
            try:
                if served.call("GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("ledger serve did not become healthy within 30 s")
            time.sleep(0.1)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        served._drain.join(5)
        if process.stdout:
            process.stdout.close()
