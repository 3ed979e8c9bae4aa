"""On PostgreSQL `ledger serve` is several gunicorn worker processes on one port."""

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import AGENT, NEW_COMPLAINT
from tests.served import Served, serve

pytestmark = pytest.mark.postgres


@pytest.fixture
def served(tmp_path: Path, postgres_schema_url: str) -> Iterator[Served]:
    with serve(tmp_path, postgres_schema_url, LEDGER_WORKERS="2") as running:
        yield running


def _children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(child) for child in text.split()}


def _alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _gone_within(pids: set[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_two_worker_processes_serve_one_port(served: Served) -> None:
    assert len(_children(served.process.pid)) == 2
    status, complaint, _ = served.call("POST", "/v1/complaints", NEW_COMPLAINT, AGENT)
    assert status == 201
    path = f"/v1/complaints/{complaint['id']}"
    for _ in range(4):  # keep-alive off: each call may land on either worker
        assert served.call("GET", path, None, AGENT)[0] == 200


def test_sigterm_stops_the_arbiter_and_every_worker(served: Served) -> None:
    workers = _children(served.process.pid)
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=30) == 0
    assert _gone_within(workers, 5)


def test_a_killed_server_leaves_no_worker_serving(served: Served) -> None:
    workers = _children(served.process.pid)
    os.kill(served.process.pid, signal.SIGKILL)
    served.process.wait(timeout=10)
    assert _gone_within(workers, 10)


def test_the_background_jobs_run_in_one_process_and_the_other_stands_by(
    served: Served,
) -> None:
    said = []
    for line in served.lines():
        if "background jobs" in line:
            said.append("runs" if "run in this process" in line else "stands by")
            if len(said) == 2:
                break
    assert sorted(said) == ["runs", "stands by"]


PRIVACY_OFFICER = {"X-Staff-Id": "dpo-1", "X-Staff-Role": "privacy_officer"}


def test_after_an_erasure_no_worker_accepts_or_echoes_personal_data_for_the_person(
    served: Served,
) -> None:
    status, complaint, _ = served.call("POST", "/v1/complaints", NEW_COMPLAINT, AGENT)
    assert status == 201
    path = f"/v1/complaints/{complaint['id']}"
    classify = {"category": "complaint", "priority": "normal"}
    assert served.call("POST", f"{path}/classify", classify, AGENT)[0] == 200
    assert served.call("POST", f"{path}/assign", {}, AGENT)[0] == 200
    for n in range(6):  # each worker now holds the person's key in its cache
        assert served.call("POST", f"{path}/notes", {"note": f"before {n}"}, AGENT)[0] == 200
    subject = complaint["customer"]["subject_id"]
    erasure = {"legal_basis": "Request"}
    erased = served.call("POST", f"/v1/subjects/{subject}/erasure", erasure, PRIVACY_OFFICER)
    assert erased[0] == 201

    accepted, echoed = [], []
    for n in range(12):  # keep-alive off: the calls land on both workers
        text = f"after erasure {n}"
        status, body, _ = served.call("POST", f"{path}/notes", {"note": text}, AGENT)
        if status < 300:
            accepted.append(n)
        if text in str(body):
            echoed.append(n)
        read = served.call("GET", path, None, AGENT)[1]
        if "after erasure" in str(read) or "before" in str(read):
            echoed.append(n)
    assert (accepted, echoed) == ([], [])
