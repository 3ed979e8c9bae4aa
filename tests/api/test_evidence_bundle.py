"""A complaint's evidence bundle over HTTP: what it holds, who may take it, what it records."""

import io
import json
import tarfile
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger.integrity.evidence.verify import verify_bundle
from ledger.integrity.public_keys import load_public_key
from tests.api.conftest import AGENT, COMPLIANCE_OFFICER, PRIVACY_OFFICER
from tests.evidence import independent_verifier
from tests.evidence.scenario import full_case


@pytest.fixture
def app(module_app: Flask) -> Flask:
    """One app for the whole module: its tests leave nothing another reads."""
    return module_app


def _call(client: FlaskClient) -> Any:
    def call(method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
        response = client.open(path, method=method, json=body, headers=headers)
        return response.status_code, response.get_json()

    return call


@pytest.fixture
def case(client: FlaskClient) -> dict[str, Any]:
    return full_case(_call(client))


def export(client: FlaskClient, reference: str) -> bytes:
    response = client.post(f"/v1/integrity/evidence/{reference}", headers=COMPLIANCE_OFFICER)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/x-tar"
    return response.get_data()


def key(client: FlaskClient) -> Any:
    return load_public_key(
        client.get("/v1/integrity/public-key", headers=AGENT).get_data(as_text=True)
    )


def members(bundle: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(bundle)) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive}  # type: ignore[union-attr]


def test_a_bundle_holds_every_stream_of_the_case(client: FlaskClient, case: dict[str, Any]) -> None:
    files = members(export(client, case["complaint"]["reference"]))
    streams = {s["kind"]: s["id"] for s in json.loads(files["case.json"])["streams"]}
    assert streams == {
        "complaint": case["complaint"]["id"],
        "handoff": case["handoff"]["id"],
        "escalation": case["escalation"]["id"],
        "incident": case["incident"]["id"],
    }


def test_a_bundle_verifies_with_the_product_and_the_independent_verifier(
    client: FlaskClient, case: dict[str, Any]
) -> None:
    bundle = export(client, case["complaint"]["reference"])
    verdict = verify_bundle(bundle, key(client))
    assert verdict.intact, [line for line in verdict.lines if not line[0]]
    checked = independent_verifier.verify(bundle, key(client))
    assert checked["streams"] == 4 and checked["audit_rows"] > 0


def test_a_bundle_shows_personal_values_masked_to_a_compliance_officer(
    client: FlaskClient, case: dict[str, Any]
) -> None:
    files = members(export(client, case["complaint"]["reference"]))
    registered = files[f"events/{case['complaint']['id']}/000001.json"].decode()
    assert "13812345678" not in registered and "li@example.com" not in registered
    assert "l***@example.com" in registered


def test_an_agent_may_not_export_evidence(client: FlaskClient, case: dict[str, Any]) -> None:
    response = client.post(
        f"/v1/integrity/evidence/{case['complaint']['reference']}", headers=AGENT
    )
    assert response.status_code == 403


def test_an_unknown_complaint_has_no_bundle(client: FlaskClient) -> None:
    response = client.post("/v1/integrity/evidence/CMP-2026-999999", headers=COMPLIANCE_OFFICER)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_the_export_is_recorded_in_the_audit_log(client: FlaskClient, case: dict[str, Any]) -> None:
    export(client, case["complaint"]["reference"])
    rows = client.application.extensions["access"].oplog.query(
        target=f"complaint:{case['complaint']['id']}"
    )
    exported = [row for row in rows if row.operation == "integrity.evidence_bundle"]
    assert len(exported) == 1 and exported[0].staff_id == "audit-1"
    assert case["complaint"]["customer"]["subject_id"] in exported[0].reveals


def test_after_erasure_the_bundle_still_verifies_and_names_whose_values_it_shows(
    client: FlaskClient, case: dict[str, Any]
) -> None:
    bundle = export(client, case["complaint"]["reference"])
    subject = case["complaint"]["customer"]["subject_id"]
    erased = client.post(
        f"/v1/subjects/{subject}/erasure",
        json={"legal_basis": "GDPR art. 17 request"},
        headers=PRIVACY_OFFICER,
    )
    assert erased.status_code == 201, erased.get_json()
    verdict = verify_bundle(bundle, key(client))
    assert verdict.intact
    assert [r["subject_id"] for r in verdict.revealed] == [subject]
    after = verify_bundle(export(client, case["complaint"]["reference"]), key(client))
    assert after.intact
