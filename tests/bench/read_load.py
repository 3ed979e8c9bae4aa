"""A read-only HTTP load: client threads in a process of their own, each GETting paths at random.

    python -m tests.bench.read_load --base http://127.0.0.1:8000 --clients 32 --seconds 10 \
        --paths paths.json

Each client holds one keep-alive connection with the bench's bearer token (BENCH_TOKEN) and
GETs a path picked at random from the JSON list in `--paths`, in a loop, until `--seconds` have
passed. Prints one JSON object: requests that succeeded, the statuses of those that did not,
and latency percentiles in milliseconds.
"""

import argparse
import http.client
import json
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.bench.harness import percentile
from tests.bench.identity import auth_headers


class Reader(threading.Thread):
    def __init__(
        self, base: str, paths: list[str], seed: int, start: threading.Barrier, stop: list[float]
    ) -> None:
        super().__init__(daemon=True)
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.paths, self.rng = paths, random.Random(seed)
        self.start_barrier, self.stop_at = start, stop
        self.latencies: list[float] = []
        self.failures: Counter[str] = Counter()
        self.headers = {**auth_headers(), "Accept": "application/json"}

    def run(self) -> None:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.start_barrier.wait()
        try:
            while time.perf_counter() < self.stop_at[0]:
                started = time.perf_counter()
                connection.request("GET", self.rng.choice(self.paths), None, self.headers)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    self.latencies.append(1000 * (time.perf_counter() - started))
                else:
                    self.failures[str(response.status)] += 1
        except (OSError, http.client.HTTPException) as error:
            self.failures[type(error).__name__] += 1
        finally:
            connection.close()


def run(base: str, clients: int, seconds: float, paths: list[str]) -> dict[str, Any]:
    stop_at = [float("inf")]
    barrier = threading.Barrier(clients + 1)
    readers = [Reader(base, paths, n, barrier, stop_at) for n in range(clients)]
    for reader in readers:
        reader.start()
    barrier.wait()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    for reader in readers:
        reader.join()
    elapsed = time.perf_counter() - started
    latencies = [x for r in readers for x in r.latencies]
    failures: Counter[str] = Counter()
    for reader in readers:
        failures.update(reader.failures)
    return {
        "ok": len(latencies),
        "failures": dict(failures),
        "rate": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(latencies, 0.50) if latencies else 0.0,
        "p99_ms": percentile(latencies, 0.99) if latencies else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--paths", required=True, help="a JSON file: the list of paths")
    args = parser.parse_args()
    paths = json.loads(Path(args.paths).read_text())
    json.dump(run(args.base, args.clients, args.seconds, paths), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()


def run_read_process(base: str, *, clients: int, seconds: float, paths: Path) -> dict[str, Any]:
    """Run the reader load in its own process (from the bench) and return its figures."""
    command = [sys.executable, "-m", "tests.bench.read_load", "--base", base]
    command += ["--clients", str(clients), "--seconds", str(seconds), "--paths", str(paths)]
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=seconds + 120
    )
    if completed.returncode != 0:
        raise RuntimeError(f"read load failed: {completed.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(completed.stdout)
    if result["failures"]:
        raise RuntimeError(f"read load: failed requests {result['failures']}")
    return result
