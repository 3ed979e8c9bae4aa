"""The reliability scenarios, each at a chosen length: the CI tests run them short, `make
reliability` (python -m tests.reliability) at full length and prints their table.

Each scenario runs `ledger serve` (waitress) as a real process, a projection worker process
where the scenario says so, and the HTTP load (tests/reliability/load.py) as a third process;
then it checks the store: events expected from 2xx writes against events found, every
acknowledged write present, every projection equal to a rebuild, and `ledger verify`.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.access.tokens import Principal
from tests import forked
from tests.reliability.checks import (
    count_events,
    ledger_verifies,
    projections_equal_rebuild,
    stream_versions,
)
from tests.reliability.load import EVENTS
from tests.reliability.throwaway_postgres import ThrowawayPostgres, throwaway_postgres
from tests.served import Served, serve

INTAKE = Principal("rel-intake", "Reliability intake agent", ("agent",), "service")
RECEIVER = Principal("rel-receiver", "Reliability technical agent", ("agent",), "technical")
REGISTRATION = {
    "channel": "email",
    "customer": {"name": "After Recovery"},
    "summary": "Written after the fault",
    "description": "The service must take writes again without a restart",
}
FAULT_ENV = {"LEDGER_DB_TIMEOUT": "2", "LEDGER_RETRY_AFTER": "1", "LEDGER_CHECKPOINT_INTERVAL": "0"}


@dataclass
class Outcome:
    """One row of the reliability table."""

    scenario: str
    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    events_expected: int = 0
    events_found: int = 0
    acknowledged_missing: int = 0
    projections_equal: bool = False
    verifies: bool = False
    recovered: bool = True  # the service answered again by itself after the fault
    retried: Counter[str] = field(default_factory=Counter)  # answers to the retries, by status
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> dict[str, int]:
        return {s: n for s, n in sorted(self.statuses.items()) if not s.startswith("2")}


@dataclass
class Length:
    """How long a scenario runs: load seconds, request cap, clients, outage seconds."""

    seconds: float
    max_requests: int
    clients: int = 64
    outage: float = 3.0


# The suite's length: every fault still lands under load from 64 clients, in half the time.
SHORT = Length(seconds=3, max_requests=600, clients=64, outage=1.5)
FULL = Length(seconds=120, max_requests=1_000_000, clients=64, outage=15.0)


def start_load(served: Served, length: Length) -> forked.Forked:
    tokens = {"intake": served.tokens(INTAKE), "receiver": served.tokens(RECEIVER)}
    return forked.popen(
        [
            sys.executable,
            "-m",
            "tests.reliability.load",
            "--base",
            served.base,
            "--clients",
            str(length.clients),
            "--seconds",
            str(length.seconds),
            "--max-requests",
            str(length.max_requests),
        ],
        env={**os.environ, "RELIABILITY_TOKENS": json.dumps(tokens)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_load(process: forked.Forked, length: Length) -> dict[str, Any]:
    stdout, stderr = process.communicate(timeout=length.seconds + 180)
    if process.returncode != 0:
        raise RuntimeError(f"load process failed: {stderr[-2000:]}")
    result: dict[str, Any] = json.loads(stdout)
    return result


@contextmanager
def worker(served: Served, env: dict[str, str]) -> Iterator[forked.Forked]:
    """`ledger projections run` against the served store, as its own process."""
    process = forked.popen(
        [sys.executable, "-m", "api.cli", "projections", "run", "--no-escalate"],
        env={**os.environ, **store_env(served), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def store_env(served: Served) -> dict[str, str]:
    settings = served.settings
    return {
        "LEDGER_DATA_DIR": str(settings.data_dir),
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_MASTER_KEY": settings.master_key_settings["LEDGER_MASTER_KEY"],
        "LEDGER_SIGNING_KEY": "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=",
    }


def check_store(outcome: Outcome, served: Served, load: dict[str, Any], before: int) -> None:
    """Fill in what the store holds after the load."""
    outcome.requests = load["requests"]
    outcome.statuses = load["statuses"]
    outcome.events_expected = load["events"]
    outcome.events_found = count_events(served.settings) - before
    versions = stream_versions(served.settings)
    outcome.acknowledged_missing = sum(
        1
        for stream, version in load["acknowledged"]
        if versions.get(stream.replace("-", ""), 0) < version
    )
    outcome.projections_equal = projections_equal_rebuild(served.settings)
    outcome.verifies = ledger_verifies(store_env(served))


def retry_unanswered(outcome: Outcome, served: Served, load: dict[str, Any]) -> None:
    """Send every write that got no answer (or a 503) again, with its Idempotency-Key.

    A write whose commit landed is replayed, one whose commit did not runs now: either way its
    events are stored once, so the events found must equal the events expected exactly.
    """
    tokens = {"intake": served.tokens(INTAKE), "receiver": served.tokens(RECEIVER)}
    answers: Counter[str] = Counter()
    for write in load["unanswered"]:
        headers = {
            "Authorization": f"Bearer {tokens[write['who']]}",
            "Idempotency-Key": write["key"],
        }
        status, body, response_headers = served.call("POST", write["path"], write["body"], headers)
        replayed = response_headers.get("Idempotent-Replayed") == "true"
        answers[f"{status}{' replayed' if replayed else ''}"] += 1
        outcome.retried[str(status)] += 1
        if status < 300:
            load["events"] += EVENTS[write["kind"]]
            load["acknowledged"].append((str(body["id"]), int(body["version"])))
    outcome.notes.append(
        "retried with the same Idempotency-Key: "
        + (", ".join(f"{n} x {a}" for a, n in sorted(answers.items())) or "none")
    )


def load_scenario(database_url: str, length: Length) -> Outcome:
    """64 clients against the production server on PostgreSQL; nothing lost, nothing extra."""
    outcome = Outcome("load")
    with tempfile.TemporaryDirectory() as data, serve(Path(data), database_url) as served:
        before = count_events(served.settings)
        load = finish_load(start_load(served, length), length)
        check_store(outcome, served, load, before)
    return outcome


def database_outage_scenario(length: Length) -> Outcome:
    """PostgreSQL stopped and started under load, with a projection worker running."""
    outcome = Outcome("database outage")
    env = {**FAULT_ENV, "LEDGER_PROJECTIONS": "off"}
    with (
        throwaway_postgres() as pg,
        tempfile.TemporaryDirectory() as data,
        serve(Path(data), pg.url, **env) as served,
        worker(served, env),
    ):
        before = count_events(served.settings)
        process = start_load(served, length)
        time.sleep(length.seconds / 3)
        pg.stop()
        time.sleep(length.outage)
        pg.start()
        load = finish_load(process, length)
        status = _healthy_within(served, seconds=15)
        written, _, _ = served.call(
            "POST",
            "/v1/complaints",
            REGISTRATION,
            {"Authorization": f"Bearer {served.tokens(INTAKE)}"},
        )
        outcome.recovered = status == 200 and written == 201
        outcome.notes.append(f"after the outage: health {status}, registration {written}")
        load["events"] += 1 if written == 201 else 0
        retry_unanswered(outcome, served, load)
        check_store(outcome, served, load, before)
    return outcome


def _healthy_within(served: Served, *, seconds: float) -> int:
    """/health's answer once it is 200, or its last answer after `seconds`: the gate probes the
    store again on its own schedule, so "recovered by itself" allows it that long."""
    deadline = time.monotonic() + seconds
    while True:
        status, _, _ = served.call("GET", "/health")
        if status == 200 or time.monotonic() > deadline:
            return int(status)
        time.sleep(0.2)


def sigkill_scenario(database_url: str, length: Length) -> Outcome:
    """The service SIGKILLed under load and started again on the same store and port at once;
    the load carries on, then every write that got no answer is retried with its key."""
    outcome = Outcome("SIGKILL mid-request")
    with tempfile.TemporaryDirectory() as data:
        with serve(Path(data), database_url, **FAULT_ENV) as served:
            before = count_events(served.settings)
            process = start_load(served, length)
            time.sleep(length.seconds / 2)
            served.process.kill()
            served.process.wait()
            port = int(served.base.rsplit(":", 1)[1])
        with serve(Path(data), database_url, port=port, **FAULT_ENV) as again:
            load = finish_load(process, length)
            retry_unanswered(outcome, again, load)
            check_store(outcome, again, load, before)
    return outcome


def run_all(length: Length, database_url: str) -> list[Outcome]:
    return [
        load_scenario(database_url, length),
        database_outage_scenario(length),
        sigkill_scenario(database_url, length),
    ]


__all__ = [
    "FULL",
    "SHORT",
    "Length",
    "Outcome",
    "ThrowawayPostgres",
    "database_outage_scenario",
    "load_scenario",
    "run_all",
    "sigkill_scenario",
]
