"""The reliability load: a separate process of client threads mixing writes and reads.

    python -m tests.reliability.load --base URL --clients 64 --seconds 120 --max-requests N

Tokens come from RELIABILITY_TOKENS (JSON: {"intake": token, "receiver": token}). Each client
loops: register a complaint, read it, classify, assign, hand it to the technical department,
accept the handoff there, read its history and the case list. Bounded in time and in count: no
request starts after `--seconds` or once `--max-requests` have started. Every write carries an
Idempotency-Key. Prints one JSON object: requests, statuses, events implied by 2xx writes, and
every acknowledged write as [stream id, version] (a handoff's save also adds one complaint event).
"""

import argparse
import http.client
import itertools
import json
import os
import sys
import threading
import time
import uuid
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

# Events each successful write appends: a handoff request or acceptance writes to two streams.
EVENTS = {"register": 1, "classify": 1, "assign": 1, "handoff": 2, "accept": 2}
CUSTOMER = {"name": "Load Customer", "phone": "13800000000", "email": "load@example.com"}


class Budget:
    """Stops new requests after a deadline or a number of requests, whichever comes first."""

    def __init__(self, seconds: float, max_requests: int) -> None:
        self.deadline = time.monotonic() + seconds
        self._count = itertools.count()
        self.max_requests = max_requests

    def take(self) -> bool:
        return time.monotonic() < self.deadline and next(self._count) < self.max_requests


class BudgetSpentError(Exception):
    pass


class Client(threading.Thread):
    def __init__(self, base: str, tokens: dict[str, str], budget: Budget) -> None:
        super().__init__(daemon=True)
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.tokens = tokens
        self.budget = budget
        self.requests = 0
        self.statuses: Counter[str] = Counter()
        self.events = 0
        self.acknowledged: list[tuple[str, int]] = []
        self.unanswered: list[dict[str, Any]] = []  # writes whose answer never came
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def call(
        self, method: str, path: str, body: Any = None, who: str = "intake", kind: str = ""
    ) -> Any:
        if not self.budget.take():
            raise BudgetSpentError
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
            headers["Idempotency-Key"] = str(uuid.uuid4())
        self.requests += 1
        try:
            self.connection.request(method, path, payload, headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.statuses[type(error).__name__] += 1
            if body is not None and not isinstance(error, ConnectionRefusedError):
                key = headers["Idempotency-Key"]
                self.unanswered.append(
                    {"kind": kind, "path": path, "body": body, "who": who, "key": key}
                )
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            time.sleep(0.2)  # the service is gone or restarting: do not spin
            return None
        self.statuses[str(response.status)] += 1
        if response.status == 503 and body is not None:
            # Not acknowledged, but its commit may have landed: retried with its key at the end.
            key = headers["Idempotency-Key"]
            self.unanswered.append(
                {"kind": kind, "path": path, "body": body, "who": who, "key": key}
            )
        if response.status == 503:  # a polite client waits as told (bounded by the deadline)
            wait = float(response.getheader("Retry-After") or 1)
            time.sleep(max(0.0, min(wait, self.budget.deadline - time.monotonic())))
        if response.status >= 300:
            return None
        return json.loads(data or b"{}")

    def write(self, kind: str, path: str, body: Any, who: str = "intake") -> Any:
        result = self.call("POST", path, body, who, kind)
        if result is not None:
            self.events += EVENTS[kind]
            self.acknowledged.append((str(result["id"]), int(result["version"])))
        return result

    def run(self) -> None:
        try:
            while True:
                self.loop()
        except BudgetSpentError:
            pass
        finally:
            self.connection.close()

    def loop(self) -> None:
        complaint = self.write(
            "register",
            "/v1/complaints",
            {
                "channel": "phone",
                "customer": CUSTOMER,
                "summary": "Parcel arrived broken",
                "description": "Crushed box; the customer wants a replacement",
            },
        )
        if complaint is None:
            return
        cid = complaint["id"]
        self.call("GET", f"/v1/complaints/{cid}")
        if (
            self.write(
                "classify",
                f"/v1/complaints/{cid}/classify",
                {"category": "complaint", "priority": "normal"},
            )
            is None
        ):
            return
        if self.write("assign", f"/v1/complaints/{cid}/assign", {}) is None:
            return
        handoff = self.write(
            "handoff",
            "/v1/handoffs",
            {"complaint_id": cid, "to_department": "technical", "reason": "Needs a technician"},
        )
        if handoff is None:
            return
        self.write("accept", f"/v1/handoffs/{handoff['id']}/accept", {}, who="receiver")
        self.call("GET", f"/v1/complaints/{cid}/history")
        self.call("GET", "/v1/complaints?limit=20")


def run(base: str, clients: int, seconds: float, max_requests: int) -> dict[str, Any]:
    tokens = json.loads(os.environ["RELIABILITY_TOKENS"])
    budget = Budget(seconds, max_requests)
    threads = [Client(base, tokens, budget) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses: Counter[str] = Counter()
    for t in threads:
        statuses.update(t.statuses)
    return {
        "requests": sum(t.requests for t in threads),
        "statuses": dict(statuses),
        "events": sum(t.events for t in threads),
        "acknowledged": [a for t in threads for a in t.acknowledged],
        "unanswered": [u for t in threads for u in t.unanswered],
        "seconds": time.monotonic() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    args = parser.parse_args()
    json.dump(run(args.base, args.clients, args.seconds, args.max_requests), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
