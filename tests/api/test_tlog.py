"""The tree as C2SP tlog-tiles over HTTP, the verifier key, and witnesses' cosignatures."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from api.config import Settings, witness_keys
from ledger.clock import ManualClock
from ledger.integrity import merkle
from ledger.integrity.checkpoints import checkpoint_from_note, signature_is_valid
from ledger.integrity.cosignatures import cosign
from ledger.integrity.note import COSIGNATURE_V1, parse_verifier_key, verifier_key
from tests.api.conftest import AGENT, COMPLIANCE_OFFICER, ok, register
from tests.conftest import TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64

ORIGIN = "ledger.example.com/complaints"
WITNESS = "witness.example.org/w1"
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture
def app(database_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[Flask]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
        signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
        log_origin=ORIGIN,
        witness_keys=witness_keys(verifier_key(WITNESS, WITNESS_KEY.public_key(), COSIGNATURE_V1)),
    )
    flask_app = create_app(settings, clock=clock)
    yield flask_app
    flask_app.extensions["ledger"].close()


def _checkpoint(client: FlaskClient) -> dict[str, Any]:
    return ok(client.post("/v1/integrity/checkpoints", headers=COMPLIANCE_OFFICER), 201)


def _get(client: FlaskClient, path: str) -> bytes:
    response = client.get(path, headers=COMPLIANCE_OFFICER)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data()


def _entries(bundle: bytes) -> list[bytes]:
    entries = []
    while bundle:
        length = int.from_bytes(bundle[:2], "big")
        entries.append(bundle[2 : 2 + length])
        bundle = bundle[2 + length :]
    return entries


def test_the_served_checkpoint_is_a_note_signed_under_the_published_verifier_key(
    client: FlaskClient,
) -> None:
    register(client)
    made = _checkpoint(client)
    response = client.get("/v1/tlog/checkpoint", headers=COMPLIANCE_OFFICER)
    assert response.content_type == "text/plain; charset=utf-8"
    vkey = client.get("/v1/integrity/verifier-key", headers=AGENT).get_data(as_text=True)
    key = parse_verifier_key(vkey)
    served = checkpoint_from_note(response.get_data(as_text=True))
    assert key.name == ORIGIN == served.origin
    assert signature_is_valid(served, key.key)
    assert served.number == made["number"] and response.get_data(as_text=True) == made["note"]


def test_a_partial_tile_and_its_entry_bundle_rebuild_the_signed_root(
    client: FlaskClient,
) -> None:
    register(client)
    register(client)
    made = _checkpoint(client)
    size = made["tree_size"]
    tile = _get(client, f"/v1/tlog/tile/0/000.p/{size}")
    entries = _entries(_get(client, f"/v1/tlog/tile/entries/000.p/{size}"))
    hashes = [tile[i : i + 32] for i in range(0, len(tile), 32)]
    assert hashes == [merkle.leaf_hash(entry) for entry in entries]
    assert merkle.root(entries).hex() == made["root_hash"]


def test_entries_are_chain_hashes_not_event_contents(client: FlaskClient) -> None:
    complaint = register(client)
    made = _checkpoint(client)
    proof = ok(
        client.get(
            f"/v1/integrity/proofs/inclusion?stream_id={complaint['id']}&version=1",
            headers=COMPLIANCE_OFFICER,
        )
    )
    bundle = _get(client, f"/v1/tlog/tile/entries/000.p/{made['tree_size']}")
    assert _entries(bundle)[proof["leaf_index"]].hex() == proof["chain_hash"]
    assert b"Li Si" not in bundle and len(bundle) == 34 * made["tree_size"]


@pytest.mark.parametrize(
    "path", ["/v1/tlog/tile/0/000", "/v1/tlog/tile/0/0", "/v1/tlog/tile/01/000"]
)
def test_a_tile_the_tree_does_not_have_is_not_found(client: FlaskClient, path: str) -> None:
    register(client)
    _checkpoint(client)
    response = client.get(path, headers=COMPLIANCE_OFFICER)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_an_agent_may_not_read_the_tiles(client: FlaskClient) -> None:
    register(client)
    _checkpoint(client)
    assert client.get("/v1/tlog/tile/entries/000.p/1", headers=AGENT).status_code == 403


def test_a_tile_read_is_written_to_the_operation_log(client: FlaskClient) -> None:
    register(client)
    _checkpoint(client)
    _get(client, "/v1/tlog/tile/0/000.p/1")
    entries = ok(client.get("/v1/audit/operations", headers=COMPLIANCE_OFFICER))["entries"]
    assert entries[0]["operation"] == "tlog.tile" and entries[0]["staff_id"] == "audit-1"


def _cosign(client: FlaskClient, number: int, line: str) -> Any:
    return client.post(
        f"/v1/integrity/checkpoints/{number}/cosignatures",
        json={"cosignature": line},
        headers=COMPLIANCE_OFFICER,
    )


def test_a_witness_cosignature_is_kept_and_served_in_the_note(client: FlaskClient) -> None:
    register(client)
    made = checkpoint_from_note(_checkpoint(client)["note"])
    line = cosign(WITNESS_KEY, WITNESS, made.body, 1_767_225_600).as_note_signature().line()
    assert ok(_cosign(client, made.number, line), 201)["note"].endswith(line + "\n")
    note = client.get("/v1/tlog/checkpoint", headers=COMPLIANCE_OFFICER).get_data(as_text=True)
    assert checkpoint_from_note(note).cosignatures[0].time == 1_767_225_600


def test_the_same_cosignature_sent_again_changes_nothing(client: FlaskClient) -> None:
    register(client)
    made = checkpoint_from_note(_checkpoint(client)["note"])
    line = cosign(WITNESS_KEY, WITNESS, made.body, 5).as_note_signature().line()
    first = ok(_cosign(client, made.number, line), 201)
    assert ok(_cosign(client, made.number, line), 201) == first


def test_a_second_cosignature_from_the_same_witness_is_refused(client: FlaskClient) -> None:
    register(client)
    made = checkpoint_from_note(_checkpoint(client)["note"])
    for time, status in ((5, 201), (6, 422)):
        line = cosign(WITNESS_KEY, WITNESS, made.body, time).as_note_signature().line()
        assert _cosign(client, made.number, line).status_code == status


@pytest.mark.parametrize(
    ("signer", "name", "fragment"),
    [
        (Ed25519PrivateKey.generate(), WITNESS, "not a configured witness"),
        (WITNESS_KEY, "other.example.org/w2", "not a configured witness"),
    ],
)
def test_a_cosignature_from_no_configured_witness_is_refused(
    client: FlaskClient, signer: Ed25519PrivateKey, name: str, fragment: str
) -> None:
    register(client)
    made = checkpoint_from_note(_checkpoint(client)["note"])
    response = _cosign(
        client, made.number, cosign(signer, name, made.body, 5).as_note_signature().line()
    )
    assert response.status_code == 422
    assert response.get_json()["field"] == "cosignature"
    assert fragment in response.get_json()["detail"]


def test_a_cosignature_of_another_checkpoint_is_refused(client: FlaskClient) -> None:
    register(client)
    first = checkpoint_from_note(_checkpoint(client)["note"])
    register(client)
    second = checkpoint_from_note(_checkpoint(client)["note"])
    line = cosign(WITNESS_KEY, WITNESS, first.body, 5).as_note_signature().line()
    response = _cosign(client, second.number, line)
    assert response.status_code == 422 and "does not verify" in response.get_json()["detail"]


def test_a_malformed_cosignature_line_is_refused_naming_the_field(client: FlaskClient) -> None:
    register(client)
    made = _checkpoint(client)
    response = _cosign(client, made["number"], "not a signature line")
    assert response.status_code == 422 and response.get_json()["field"] == "cosignature"
