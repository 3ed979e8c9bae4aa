"""`ledger serve` (the production server, api/server.py) as real processes on a free loopback port."""

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests import forked
from tests.bench.identity import mint_bench_token
from tests.served import free_port

# A fixed bench master key; never a production one.
BENCH_MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
# A fixed bench checkpoint signing key (an Ed25519 seed); never a production one.
BENCH_SIGNING_KEY = "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM="


@dataclass(frozen=True)
class Server:
    base: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU time the server's processes (its workers too) have used so far."""
        return sum(_cpu_seconds(pid) for pid in _tree(self.pid))


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (Linux /proc)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found.extend(_tree(int(child)))
    return found


def postgres_cpu_seconds() -> dict[int, float]:
    """User + system CPU time so far of each of this host's PostgreSQL processes, by pid (none
    if it runs elsewhere); `postgres_cpu_since` turns two readings into seconds spent between.

    On a shared machine this counts every client's statements, not the bench's alone: read it
    as an upper bound of what the bench's requests cost the server.
    """
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
        except OSError:
            continue  # exited meanwhile
        found[int(entry.name)] = _cpu_seconds(int(entry.name))
    return found


def postgres_cpu_since(before: dict[int, float]) -> float:
    """PostgreSQL CPU seconds spent since the reading `before`: the growth of the processes
    seen then, and all of those started since. A backend that exited meanwhile (another
    client's connection) drops out of both sides rather than making the sum shrink."""
    now = postgres_cpu_seconds()
    return sum(max(0.0, spent - before.get(pid, 0.0)) for pid, spent in now.items())


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0  # exited meanwhile
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def ledger_server(data_dir: Path, database_url: str, **env: str) -> Iterator[Server]:
    """Start the service, wait until /health answers, yield it, stop it after.

    Its output goes to a file in `data_dir` (never a pipe nobody reads, which would stall it).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = data_dir / f"serve-{port}.log"
    server_env = {
        **os.environ,
        "LEDGER_PORT": str(port),
        "LEDGER_DATA_DIR": str(data_dir),
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_MASTER_KEY": BENCH_MASTER_KEY,
        "LEDGER_SIGNING_KEY": BENCH_SIGNING_KEY,
        **env,
    }
    # Forked from a process that imported the service already (tests/fork_server.py): the same
    # server once started, without a second of imports at each of the bench's many starts.
    command = [sys.executable, "-m", "api.cli", "serve"]
    with _served(command, server_env, port, log_path, start=forked.popen) as pid:
        mint_bench_token(server_env)  # BENCH_TOKEN, for the clients it starts
        yield Server(f"http://127.0.0.1:{port}", pid)


@contextmanager
def peer_server(data_dir: Path, schema: str, *, workers: int, threads: int) -> Iterator[Server]:
    """The peer service (tests/bench/peer) in `schema`, in the given server shape."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "PEER_PORT": str(port),
        "PEER_SCHEMA": schema,
        "PEER_WORKERS": str(workers),
        "PEER_THREADS": str(threads),
    }
    command = [sys.executable, "-m", "tests.bench.peer.serve"]
    with _served(command, env, port, data_dir / f"peer-{port}.log") as pid:
        yield Server(f"http://127.0.0.1:{port}", pid)


@contextmanager
def _served(
    command: list[str],
    env: dict[str, str],
    port: int,
    log_path: Path,
    *,
    start: Callable[..., Any] = subprocess.Popen,
) -> Iterator[int]:
    """Run `command` until /health answers on `port`, yield its pid, stop it after."""
    with log_path.open("w") as log:
        process = start(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(process, port, log_path)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(process: Any, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"ledger serve exited: {log_path.read_text()[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("ledger serve did not become healthy within 60 s")
        time.sleep(0.1)
