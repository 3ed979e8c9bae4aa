"""Go's own transparency-log packages verify what a running service serves.

`golang.org/x/mod/sumdb/note` opens the checkpoint's signed note with the published verifier key
(and the witness's cosignature with a verifier of its own: x/mod 0.7 knows no cosignatures),
`tlog.ParseTree` reads its body, `tlog.CheckRecord` and `tlog.CheckTree` check the served
inclusion and consistency proofs, and `tlog.TileHashReader` proves records and the tree's growth
from the C2SP tiles alone (tests/interop/go/main.go). Debian's golang-go and
golang-golang-x-mod-dev provide all of it offline; under CI a missing `go` fails the test.
"""

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.integrity.checkpoints import checkpoint_from_document
from ledger.integrity.cosignatures import cosign
from ledger.integrity.note import COSIGNATURE_V1, verifier_key
from tests.api.conftest import AGENT, COMPLIANCE_OFFICER, NEW_COMPLAINT
from tests.identities import with_bearer
from tests.served import Served, serve

PROGRAM = Path(__file__).parent / "go"
GO_PATH = "/usr/share/gocode"  # Debian's golang-golang-x-mod-dev installs x/mod here
ORIGIN = "ledger.example.com/complaints"
WITNESS = "witness.example.org/w1"
# More than one full tile (256 leaves), so that the tiles hold a full and a partial tile.
COMPLAINTS = 270


@pytest.fixture
def go() -> str:
    found = shutil.which("go")
    if found is None:
        reason = "go is not installed (apt-get install golang-go golang-golang-x-mod-dev)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set: the Go interop test must run", pytrace=False)
        pytest.skip(reason)
    if not (Path(GO_PATH) / "src/golang.org/x/mod/sumdb/note").is_dir():
        pytest.fail(f"golang.org/x/mod is not under {GO_PATH} (golang-golang-x-mod-dev)")
    return found


@pytest.fixture
def interop(go: str, tmp_path: Path) -> Path:
    """The Go program, built offline against Debian's x/mod."""
    binary = tmp_path / "interop"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": GO_PATH,
        "GOFLAGS": "-buildvcs=false",
        "GOPROXY": "off",
        "GOCACHE": str(tmp_path / "gocache"),
    }
    subprocess.run(
        [go, "build", "-o", str(binary), "."], cwd=PROGRAM, env=env, check=True, timeout=300
    )
    return binary


@pytest.fixture
def witness() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def served(tmp_path: Path, database_url: str, witness: Ed25519PrivateKey) -> Iterator[Served]:
    with serve(
        tmp_path / "data",
        database_url,
        LEDGER_LOG_ORIGIN=ORIGIN,
        LEDGER_WITNESS_KEYS=verifier_key(WITNESS, witness.public_key(), COSIGNATURE_V1),
        LEDGER_CHECKPOINT_INTERVAL="0",
    ) as running:
        yield running


def _ok(served: Served, method: str, path: str, body: object = None, status: int = 200) -> dict:
    got, document, _ = served.call(method, path, body, COMPLIANCE_OFFICER)
    assert got == status, document
    return document


def test_go_note_and_tlog_verify_checkpoints_cosignatures_and_proofs_also_through_tiles(
    served: Served, interop: Path, witness: Ed25519PrivateKey, tmp_path: Path
) -> None:
    first = served.call("POST", "/v1/complaints", NEW_COMPLAINT, AGENT)[1]
    old = _ok(served, "POST", "/v1/integrity/checkpoints", status=201)
    for _ in range(COMPLAINTS):
        assert served.call("POST", "/v1/complaints", NEW_COMPLAINT, AGENT)[0] == 201
    new = checkpoint_from_document(_ok(served, "POST", "/v1/integrity/checkpoints", status=201))
    line = cosign(witness, WITNESS, new.body, 1_767_225_600).as_note_signature().line()
    cosigned = _ok(
        served,
        "POST",
        f"/v1/integrity/checkpoints/{new.number}/cosignatures",
        {"cosignature": line},
        status=201,
    )
    inclusion = _ok(
        served,
        "GET",
        f"/v1/integrity/proofs/inclusion?stream_id={first['id']}&version=1&checkpoint={new.number}",
    )
    consistency = _ok(
        served,
        "GET",
        f"/v1/integrity/proofs/consistency?first={old['number']}&second={new.number}",
    )
    key = _ok(served, "GET", "/v1/integrity/public-key")
    token = with_bearer(COMPLIANCE_OFFICER, served.tokens)["Authorization"].split()[1]
    given = tmp_path / "input.json"
    given.write_text(
        json.dumps(
            {
                "base": served.base + "/v1/tlog",
                "token": token,
                "verifier_key": key["verifier_key"],
                "witness_keys": [verifier_key(WITNESS, witness.public_key(), COSIGNATURE_V1)],
                "old_note": old["note"],
                "new_note": cosigned["note"],
                "inclusion": inclusion,
                "consistency": consistency["proof"],
            }
        )
    )

    run = subprocess.run(
        [str(interop), str(given)], capture_output=True, text=True, timeout=120, check=False
    )

    assert run.returncode == 0, run.stdout + run.stderr
    # The note, the served inclusion and consistency proofs, three records and the tree's
    # growth through the tiles: each an OK line.
    assert run.stdout.count("OK ") == 7, run.stdout
    assert "1 witness cosignature(s) verified" in run.stdout
    assert f"OK tiles: tree {new.tree_size} extends tree {old['tree_size']}" in run.stdout
