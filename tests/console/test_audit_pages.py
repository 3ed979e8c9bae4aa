"""Audit pages: the audit log search, checkpoints and their downloads, a verification run and
its outcome on My work, a case's evidence bundle; compliance officers only."""

import io
import tarfile

from flask import Flask

from ledger.access.tokens import Principal
from tests.console.conftest import AGENT, register, signed_in

COMPLIANCE = Principal("co-1", "Cora Compliance", ("compliance_officer",))
PRIVACY = Principal("po-1", "Pat Privacy", ("privacy_officer",))


def test_the_audit_log_shows_who_did_what_to_which_record(app: Flask) -> None:
    agent, csrf = signed_in(app, AGENT)
    case = register(agent, csrf)
    agent.get(case)
    client, _ = signed_in(app, COMPLIANCE)
    page = client.get("/console/audit?staff=agent-7").get_data(as_text=True)
    assert "console.register" in page and "console.case" in page
    assert "customer.name" in page  # whose fields the case page revealed
    assert "co-1" not in page.split("<tbody>")[1]  # filtered to the agent


def test_the_audit_log_pages_back_by_cursor(app: Flask) -> None:
    client, _ = signed_in(app, COMPLIANCE)
    for _ in range(3):
        client.get("/console/")
    first = client.get("/console/audit?limit=2").get_data(as_text=True)
    assert 'id="older"' in first
    older = first.split('id="older" href="')[1].split('"')[0].replace("&amp;", "&")
    assert client.get(older).status_code == 200


def test_a_bad_search_names_the_field(app: Flask) -> None:
    client, _ = signed_in(app, COMPLIANCE)
    answer = client.get("/console/audit?from=yesterday")
    assert answer.status_code == 422 and "from" in answer.get_data(as_text=True)


def test_other_roles_may_not_read_the_audit_log(app: Flask) -> None:
    for principal in (AGENT, PRIVACY):
        client, _ = signed_in(app, principal)
        assert client.get("/console/audit").status_code == 403
        assert client.get("/console/audit/checkpoints").status_code == 403


def test_a_signed_checkpoint_downloads_as_its_c2sp_note(app: Flask) -> None:
    client, csrf = signed_in(app, COMPLIANCE)
    assert client.post("/console/audit/checkpoints", data={"csrf": csrf}).status_code == 200
    note = client.get("/console/audit/checkpoints/1")
    assert note.mimetype == "text/plain" and "attachment" in note.headers["Content-Disposition"]
    origin = app.extensions["integrity"].origin
    assert note.get_data(as_text=True).startswith(origin + "\n")
    key = client.get("/console/audit/verifier-key").get_data(as_text=True)
    assert key.startswith(origin + "+")


def test_a_verification_shows_intact_and_my_work_remembers_it(app: Flask) -> None:
    client, csrf = signed_in(app, COMPLIANCE)
    answer = client.post("/console/audit/verification", data={"csrf": csrf})
    assert answer.status_code == 200 and "Intact" in answer.get_data(as_text=True)
    home = client.get("/console/").get_data(as_text=True)
    assert 'id="integrity-outcome" class="">intact' in home


def test_a_consistency_proof_downloads_between_two_checkpoints(app: Flask) -> None:
    agent, agent_csrf = signed_in(app, AGENT)
    client, csrf = signed_in(app, COMPLIANCE)
    client.post("/console/audit/checkpoints", data={"csrf": csrf})
    register(agent, agent_csrf)
    client.post("/console/audit/checkpoints", data={"csrf": csrf})
    proof = client.get("/console/audit/proofs/consistency?first=1&second=2")
    assert proof.mimetype == "application/json" and b'"proof"' in proof.data


def test_prove_this_history_downloads_the_cases_evidence_bundle(app: Flask) -> None:
    agent, agent_csrf = signed_in(app, AGENT)
    case = register(agent, agent_csrf)
    client, csrf = signed_in(app, COMPLIANCE)
    assert 'id="prove-this-history"' in client.get(case).get_data(as_text=True)
    answer = client.post(f"{case}/evidence", data={"csrf": csrf})
    assert answer.status_code == 200 and answer.mimetype == "application/x-tar"
    with tarfile.open(fileobj=io.BytesIO(answer.data)) as bundle:
        assert bundle.getnames()
    assert 'id="prove-this-history"' not in agent.get(case).get_data(as_text=True)
    assert agent.post(f"{case}/evidence", data={"csrf": agent_csrf}).status_code == 403
