"""Tamper evidence over HTTP: checkpoints, the public key, proofs and the verification report."""

from typing import Any

from flask.testing import FlaskClient

from ledger.integrity.checkpoints import checkpoint_from_document
from ledger.integrity.proof_check import check_proof
from ledger.integrity.public_keys import load_public_key
from tests.api.conftest import AGENT, COMPLIANCE_OFFICER, ok, register, workable


def checkpoint(client: FlaskClient) -> dict[str, Any]:
    return ok(client.post("/v1/integrity/checkpoints", headers=COMPLIANCE_OFFICER), 201)


def _grants(client: FlaskClient) -> int:
    """The events of the tokens' grants: each token the test client minted is one `Issued`."""
    return len(client.application.extensions["access"].tokens.store.all_tokens())


def test_a_checkpoint_is_listed_and_exported_as_a_small_document(client: FlaskClient) -> None:
    register(client)
    made = checkpoint(client)
    listed = ok(client.get("/v1/integrity/checkpoints", headers=COMPLIANCE_OFFICER))
    exported = ok(
        client.get(f"/v1/integrity/checkpoints/{made['number']}", headers=COMPLIANCE_OFFICER)
    )
    assert listed["checkpoints"] == [made] and exported == made
    # One complaint event, and one `Issued` event per token the test client minted (grants).
    grants = _grants(client)
    assert exported["format"] == "complaint-ledger/checkpoint/2"
    assert exported["tree_size"] == 1 + grants


def test_an_unknown_checkpoint_is_not_found(client: FlaskClient) -> None:
    response = client.get("/v1/integrity/checkpoints/7", headers=COMPLIANCE_OFFICER)
    assert response.status_code == 404


def test_an_agent_cannot_read_proofs(client: FlaskClient) -> None:
    response = client.get("/v1/integrity/checkpoints", headers=AGENT)
    assert response.status_code == 403


def test_an_inclusion_proof_served_over_http_verifies_with_the_published_key(
    client: FlaskClient,
) -> None:
    complaint = workable(client)
    kept = checkpoint_from_document(checkpoint(client))
    key = load_public_key(
        client.get("/v1/integrity/public-key", headers=AGENT).get_data(as_text=True)
    )
    proof = ok(
        client.get(
            f"/v1/integrity/proofs/inclusion?stream_id={complaint['id']}&version=2",
            headers=COMPLIANCE_OFFICER,
        )
    )
    assert check_proof(proof, [kept], key).startswith("OK")


def test_an_inclusion_proof_needs_the_event_named(client: FlaskClient) -> None:
    response = client.get("/v1/integrity/proofs/inclusion?version=2", headers=COMPLIANCE_OFFICER)
    assert response.status_code == 422
    assert response.get_json()["field"] == "stream_id"


def test_a_consistency_proof_served_over_http_verifies_against_the_kept_checkpoint(
    client: FlaskClient,
) -> None:
    register(client)
    kept = checkpoint_from_document(checkpoint(client))
    workable(client)
    checkpoint(client)
    key = load_public_key(
        client.get("/v1/integrity/public-key", headers=AGENT).get_data(as_text=True)
    )
    proof = ok(
        client.get(
            f"/v1/integrity/proofs/consistency?first={kept.number}", headers=COMPLIANCE_OFFICER
        )
    )
    assert check_proof(proof, [kept], key).startswith("OK")


def test_the_verification_report_of_an_untouched_ledger_is_intact(client: FlaskClient) -> None:
    complaint = workable(client)
    checkpoint(client)
    whole = ok(client.get("/v1/audit/verification", headers=COMPLIANCE_OFFICER))
    one = ok(
        client.get(f"/v1/audit/verification?stream={complaint['id']}", headers=COMPLIANCE_OFFICER)
    )
    # The complaint's three events, the grants, and the ledger's record of the checkpoint.
    assert whole["intact"] and whole["breaks"] == []
    assert whole["events"] == 3 + _grants(client) + 1
    assert one["intact"] and one["streams"] == 1 and one["checkpoints"] == 1


def test_the_verification_report_names_an_event_deleted_behind_the_ledgers_back(
    client: FlaskClient, database_url: str
) -> None:
    from tests.integrity.test_tampering import Insider

    complaint = workable(client)
    checkpoint(client)
    insider = Insider(database_url)
    insider.delete(complaint["id"], 2)
    insider.close()
    report = ok(client.get("/v1/audit/verification", headers=COMPLIANCE_OFFICER))
    assert not report["intact"]
    assert [(b["kind"], b["stream_id"], b["version"]) for b in report["breaks"]] == [
        ("missing", complaint["id"], 2)
    ]


def test_a_checkpoint_signs_the_operation_log_head_and_moves_when_only_reads_happened(
    client: FlaskClient, app: Any
) -> None:
    register(client)
    first = checkpoint(client)
    oplog_head = app.extensions["access"].oplog.head()
    ok(client.get("/v1/integrity/checkpoints", headers=COMPLIANCE_OFFICER))  # a read, no event
    second = checkpoint(client)
    # Signed while the checkpoint request itself was not yet logged: every request before it.
    count, _, digest = first["heads"]["operation-log"].partition(":")
    assert int(count) == oplog_head.count - 1 and len(digest) == 64
    assert second["tree_size"] == first["tree_size"] + 1  # no event but the first's record
    assert second["number"] == first["number"] + 1
    assert second["heads"]["operation-log"] != first["heads"]["operation-log"]
