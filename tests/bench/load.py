"""The HTTP load generator: a separate process of client threads on keep-alive connections.

    python -m tests.bench.load --base http://127.0.0.1:8000 --clients 32 --seconds 10 [--reads 1]

Each client registers a complaint and walks it through its loop (classify, assign, respond,
note, resolve, feedback, close), one request per event, then reads it `--reads` times (GET
/v1/complaints/{id}) and starts the next. Bounded in time:
after `--seconds` no new request starts. Prints one JSON object: requests that succeeded, the
statuses of those that did not, the elapsed time and latency percentiles in milliseconds.
"""

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from tests.bench.identity import auth_headers

CUSTOMER = {"name": "Bench Customer", "phone": "13800000000", "email": "bench@example.com"}


def _steps(n: int) -> list[tuple[str, dict[str, Any]]]:
    """The loop after registration: (command, body) pairs, one event each."""
    return [
        ("classify", {"category": "complaint", "priority": "normal"}),
        ("assign", {}),
        ("respond", {"message": f"We are looking into it ({n})"}),
        ("notes", {"note": "Called the courier"}),
        ("resolve", {"resolution": "Replacement shipped"}),
        ("feedback", {"satisfaction": 5}),
        ("close", {}),
    ]


class Client(threading.Thread):
    def __init__(
        self, host: str, port: int, start: threading.Barrier, stop_at: list[float], reads: int
    ):
        super().__init__(daemon=True)
        self.reads = reads
        self.host, self.port = host, port
        self.start_barrier = start
        self.stop_at = stop_at
        self.latencies: list[float] = []
        self.failures: Counter[str] = Counter()
        self.headers = {**auth_headers(), "Content-Type": "application/json"}

    def _post(self, connection: http.client.HTTPConnection, path: str, body: Any) -> Any:
        return self._send(connection, "POST", path, json.dumps(body))

    def _send(
        self, connection: http.client.HTTPConnection, method: str, path: str, payload: str | None
    ) -> Any:
        started = time.perf_counter()
        connection.request(method, path, payload, self.headers)
        response = connection.getresponse()
        data = response.read()
        self.latencies.append(time.perf_counter() - started)
        if response.status >= 300:
            self.latencies.pop()
            self.failures[str(response.status)] += 1
            return None
        return json.loads(data)

    def run(self) -> None:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.start_barrier.wait()
        n = 0
        try:
            while time.perf_counter() < self.stop_at[0]:
                n += 1
                complaint = self._post(
                    connection,
                    "/v1/complaints",
                    {
                        "channel": "phone",
                        "customer": CUSTOMER,
                        "summary": "Parcel arrived broken",
                        "description": "Crushed box; the customer wants a replacement",
                    },
                )
                if complaint is None:
                    continue
                path = f"/v1/complaints/{complaint['id']}"
                for command, body in _steps(n):
                    if time.perf_counter() >= self.stop_at[0]:
                        break
                    if self._post(connection, f"{path}/{command}", body) is None:
                        break
                else:
                    for _ in range(self.reads):
                        if time.perf_counter() >= self.stop_at[0]:
                            break
                        self._send(connection, "GET", path, None)
        except (OSError, http.client.HTTPException) as error:
            self.failures[type(error).__name__] += 1
        finally:
            connection.close()


def run(base: str, clients: int, seconds: float, reads: int = 0) -> dict[str, Any]:
    parts = urlsplit(base)
    stop_at = [float("inf")]
    barrier = threading.Barrier(clients + 1)
    threads = [
        Client(parts.hostname or "127.0.0.1", parts.port or 80, barrier, stop_at, reads)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(x for t in threads for x in t.latencies)
    failures: Counter[str] = Counter()
    for t in threads:
        failures.update(t.failures)

    def percentile(p: float) -> float:
        if not latencies:
            return 0.0
        return 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    return {
        "ok": len(latencies),
        "failures": dict(failures),
        "seconds": elapsed,
        "rate": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "max_ms": 1000 * latencies[-1] if latencies else 0.0,
        "mean_ms": 1000 * statistics.fmean(latencies) if latencies else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--reads", type=int, default=0, help="GETs of each complaint once closed")
    args = parser.parse_args()
    json.dump(run(args.base, args.clients, args.seconds, args.reads), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()


def run_load_process(base: str, *, clients: int, seconds: float, reads: int = 0) -> dict[str, Any]:
    """Run the generator in its own process (from the bench) and return its figures."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench.load",
            "--base",
            base,
            "--clients",
            str(clients),
            "--seconds",
            str(seconds),
            "--reads",
            str(reads),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=seconds + 120,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"load generator failed: {completed.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict[str, Any] = json.loads(completed.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["client_cpu_ms"] = 1000 * cpu / max(1, result["ok"])  # start-up included
    return result
