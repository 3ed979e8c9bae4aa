"""The embedded store's disk turned read-only under a running service, then writable again.

We run as root, so file modes do not stop a write (nor would they stop one through a file
descriptor the service already holds); the files are made immutable instead (`chattr +i`,
which ext4 and the other common Linux filesystems enforce on every write, through descriptors
already open too). Writes must answer 503 problem+json with Retry-After and
store nothing; reads go on, except those that reveal personal data, whose access the access
log could not record; and writes must succeed again once the disk is writable.
"""

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ledger.access.tokens import Principal
from tests.reliability.scenarios import INTAKE, REGISTRATION
from tests.reliability.test_killed_mid_save import StoreProbe
from tests.served import Served, serve

# An administrator sees no personal data, so reading reveals nothing that must be logged.
ADMIN = Principal("ro-admin", "Read-only disk administrator", ("administrator",), None)
ENV = {"LEDGER_PROJECTIONS": "off", "LEDGER_CHECKPOINT_INTERVAL": "0", "LEDGER_RETRY_AFTER": "1"}


def _chattr(flag: str, *paths: Path) -> None:
    chattr = shutil.which("chattr")
    if chattr is None:
        raise OSError("chattr is not installed")
    subprocess.run([chattr, flag, *map(str, paths)], check=True, capture_output=True)


def _require_immutable_files(directory: Path) -> None:
    """chattr must work here; without it the test cannot make the disk read-only for root."""
    probe = directory / "immutable-probe"
    probe.write_bytes(b"")
    try:
        _chattr("+i", probe)
        _chattr("-i", probe)
    except (OSError, subprocess.CalledProcessError) as error:
        reason = f"cannot make files immutable in {directory}: {error}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set: this test must run)", pytrace=False)
        pytest.skip(f"SKIPPING READ-ONLY DISK TEST: {reason}")
    finally:
        probe.unlink()


@contextmanager
def read_only(directory: Path) -> Iterator[None]:
    """The store's files and directory immutable: every write to them is refused.

    All but SQLite's `-shm` index, which every connection maps into memory: a store to a mapped
    page of an immutable (or read-only mounted) file is answered by the kernel with SIGBUS,
    which kills the process (docs/reliability.md: "A whole disk read-only").
    """
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix != ".db-shm")
    _chattr("+i", *files, directory)
    try:
        yield
    finally:
        _chattr("-i", directory, *files)


def _post(served: Served, path: str, body: Any, key: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {served.tokens(INTAKE)}"}
    if key:
        headers["Idempotency-Key"] = key
    return served.call("POST", path, body, headers)


def _get(served: Served, path: str, who: Principal = INTAKE) -> Any:
    return served.call("GET", path, None, {"Authorization": f"Bearer {served.tokens(who)}"})


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    _require_immutable_files(tmp_path)
    with serve(tmp_path, **ENV) as running:
        running.tokens(INTAKE)  # issued while the disk can still take them
        running.tokens(ADMIN)
        yield running


def test_writes_to_a_read_only_disk_answer_503_with_retry_after_and_store_nothing(
    served: Served, tmp_path: Path
) -> None:
    probe = StoreProbe("", tmp_path)
    status, complaint, _ = _post(served, "/v1/complaints", REGISTRATION)
    assert status == 201
    before = probe.event_count()
    with read_only(tmp_path):
        answers = [
            _post(served, "/v1/complaints", REGISTRATION, key="ro-1"),
            _post(served, f"/v1/complaints/{complaint['id']}/notes", {"note": "Called back"}),
        ]
        for status, body, headers in answers:
            assert status == 503, body
            assert headers["Content-Type"] == "application/problem+json"
            assert int(headers["Retry-After"]) >= 1
    assert probe.event_count() == before
    assert probe.record("ro-1") is None


def test_reads_that_reveal_no_personal_data_go_on_while_the_disk_is_read_only(
    served: Served, tmp_path: Path
) -> None:
    status, complaint, _ = _post(served, "/v1/complaints", REGISTRATION)
    assert status == 201
    with read_only(tmp_path):
        status, body, _ = _get(served, f"/v1/complaints/{complaint['id']}", ADMIN)
        assert (status, body.get("id"), body["customer"]["name"]) == (200, complaint["id"], None)
        status, body, _ = _get(served, f"/v1/complaints/{complaint['id']}/history", ADMIN)
        assert (status, [e["event"] for e in body.get("events", [])]) == (200, ["Registered"])


def test_a_read_that_reveals_personal_data_is_refused_while_its_access_cannot_be_logged(
    served: Served, tmp_path: Path
) -> None:
    status, complaint, _ = _post(served, "/v1/complaints", REGISTRATION)
    assert status == 201
    with read_only(tmp_path):
        status, body, headers = _get(served, f"/v1/complaints/{complaint['id']}")
    assert status == 503, body
    assert "After Recovery" not in json.dumps(body)
    assert int(headers["Retry-After"]) >= 1


def test_writes_succeed_again_once_the_disk_is_writable(served: Served, tmp_path: Path) -> None:
    with read_only(tmp_path):
        refused, _, _ = _post(served, "/v1/complaints", REGISTRATION, key="ro-2")
    assert refused == 503
    status, complaint, _ = _post(served, "/v1/complaints", REGISTRATION, key="ro-2")
    assert status == 201
    assert _get(served, f"/v1/complaints/{complaint['id']}")[0] == 200
