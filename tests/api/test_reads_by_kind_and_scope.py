"""Every read of a record by id goes through one loader: the record is read as the kind the
endpoint names, within the caller's scope, and anything else is the 404 of a missing record.

One world serves every case: two departments' complaints (each escalated and handed off), an
incident involving `technical` and one involving `quality` only, each linked to the other
department's complaint, and a person's `DataSubject` stream (a legal hold on a customer).
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from api.config import Settings
from ledger.clock import ManualClock
from ledger.subjects.subject import data_subject_id_for
from tests.api.conftest import (
    AGENT,
    COMPLIANCE_OFFICER,
    INCIDENT_MANAGER,
    NEW_COMPLAINT,
    SUPERVISOR,
    TECHNICIAN,
    TokenClient,
    ok,
)
from tests.conftest import START, TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64, fresh_schema_url

MISSING = "00000000-0000-4000-8000-000000000000"


def _build(client: FlaskClient) -> dict[str, str]:
    def post(path: str, body: dict[str, Any], who: dict[str, str], status: int = 200) -> Any:
        return ok(client.post(path, json=body, headers=who), status)

    ids: dict[str, str] = {}
    for scope, department, owner, to in (
        ("in", "service", "agent-7", "technical"),
        ("out", "quality", "agent-9", "logistics"),
    ):
        c = post("/v1/complaints", {**NEW_COMPLAINT, "department": department}, SUPERVISOR, 201)
        path = f"/v1/complaints/{c['id']}"
        post(f"{path}/classify", {"category": "complaint", "priority": "normal"}, SUPERVISOR)
        post(f"{path}/assign", {"owner": owner}, SUPERVISOR)
        reason = f"Escalated by {owner} for {department} reasons"
        e = post(
            "/v1/escalations",
            {"complaint_id": c["id"], "level": "supervisor", "reason": reason},
            SUPERVISOR,
            201,
        )
        h = post(
            "/v1/handoffs",
            {"complaint_id": c["id"], "to_department": to, "reason": f"Over to {to}"},
            SUPERVISOR,
            201,
        )
        ids |= {f"complaint_{scope}": c["id"], f"escalation_{scope}": e["id"]}
        ids |= {f"handoff_{scope}": h["id"], f"reference_{scope}": c["reference"]}
        ids[f"subject_{scope}"] = c["customer"]["subject_id"]
    for scope, departments, linked in (
        ("in", ["technical"], "out"),
        ("out", ["quality"], "in"),
    ):
        i = post("/v1/incidents", {"title": "Outage", "description": "d"}, INCIDENT_MANAGER, 201)
        post(
            f"/v1/incidents/{i['id']}/assess",
            {"level": "III", "impact": "small", "departments": departments},
            INCIDENT_MANAGER,
        )
        post(
            f"/v1/incidents/{i['id']}/complaints",
            {"complaint_id": ids[f"complaint_{linked}"]},
            INCIDENT_MANAGER,
        )
        ids[f"incident_{scope}"] = i["id"]
    hold = {"reason": "Litigation"}
    post(f"/v1/subjects/{ids['subject_out']}/legal-hold", hold, COMPLIANCE_OFFICER)
    ids["person"] = str(data_subject_id_for(UUID(ids["subject_out"])))
    ids["status_out"] = ok(client.get(f"/v1/complaints/{ids['complaint_out']}", headers=AGENT))[
        "status"
    ]
    return ids


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FlaskClient, dict[str, str]]]:
    data_dir: Path = tmp_path_factory.mktemp("kinds")
    with fresh_schema_url() as database_url:
        app: Flask = create_app(
            Settings(
                data_dir=data_dir,
                database_url=database_url,
                master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
                signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
            ),
            clock=ManualClock(START),
        )
        app.test_client_class = TokenClient
        client = app.test_client()
        yield client, _build(client)
        app.extensions["ledger"].close()


# kind -> the read endpoints that take a record of that kind by id
READS = {
    "complaint": [
        "/v1/complaints/{}",
        "/v1/complaints/{}/history",
        "/v1/complaints/{}/audit",
        "/v1/complaints/{}/sla",
    ],
    "incident": [
        "/v1/incidents/{}",
        "/v1/incidents/{}/history",
        "/v1/incidents/{}/review",
        "/v1/incidents/{}/review.md",
        "/v1/incidents/{}/review.html",
    ],
    "escalation": ["/v1/escalations/{}", "/v1/escalations/{}/history"],
    "handoff": ["/v1/handoffs/{}", "/v1/handoffs/{}/history"],
}
# What a reader puts in the path: a record of another kind, a person's stream, or (for
# department staff of `technical`) a record of the right kind outside their department.
PROBES = [
    (kind, template, probe, reader)
    for kind, templates in READS.items()
    for template in templates
    for probe, reader in [
        *((f"{other}_in", "compliance_officer") for other in READS if other != kind),
        *((f"{other}_in", "department_staff") for other in READS if other != kind),
        *((f"{other}_out", "department_staff") for other in READS if other != kind),
        ("person", "compliance_officer"),
        ("person", "agent"),
        (f"{kind}_out", "department_staff"),
    ]
]
READERS = {"compliance_officer": COMPLIANCE_OFFICER, "department_staff": TECHNICIAN, "agent": AGENT}


def _body(response: Any, record: str) -> str:
    text: str = response.get_data(as_text=True)
    return re.sub(r'"request_id": "[^"]*"', "", text.replace(record, MISSING))


@pytest.mark.parametrize(
    ("kind", "template", "probe", "reader"),
    PROBES,
    ids=[f"{t.format(kind)}-{p}-{r}" for kind, t, p, r in PROBES],
)
def test_a_read_by_id_answers_only_a_record_of_its_kind_within_the_callers_scope(
    world: tuple[FlaskClient, dict[str, str]], kind: str, template: str, probe: str, reader: str
) -> None:
    client, ids = world
    record = ids[probe]
    headers = READERS[reader]
    probed = client.get(template.format(record), headers=headers)
    absent = client.get(template.format(MISSING), headers=headers)
    assert probed.status_code == absent.status_code == 404, probed.get_data(as_text=True)[:300]
    assert _body(probed, record) == _body(absent, MISSING)


@pytest.mark.parametrize(("kind", "template"), [(k, t) for k, ts in READS.items() for t in ts])
def test_department_staff_still_read_records_of_their_department(
    world: tuple[FlaskClient, dict[str, str]], kind: str, template: str
) -> None:
    client, ids = world
    response = client.get(template.format(ids[f"{kind}_in"]), headers=TECHNICIAN)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


# -- the incident review follows the reader's scope -----------------------------------------------

REVIEWS = ["/v1/incidents/{}/review", "/v1/incidents/{}/review.md", "/v1/incidents/{}/review.html"]


def _review_text(client: FlaskClient, template: str, incident: str, who: dict[str, str]) -> str:
    response = client.get(template.format(incident), headers=who)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


@pytest.mark.parametrize("template", REVIEWS)
def test_a_review_shows_an_unreadable_linked_complaint_by_reference_and_status_only(
    world: tuple[FlaskClient, dict[str, str]], template: str
) -> None:
    client, ids = world
    text = _review_text(client, template, ids["incident_in"], TECHNICIAN)
    assert ids["reference_out"] in text
    assert ids["status_out"] in text
    for secret in ("agent-9", "quality reasons", "logistics", ids["handoff_out"]):
        assert secret not in text, secret


@pytest.mark.parametrize("template", REVIEWS)
def test_a_review_shows_a_readable_linked_complaints_handling(
    world: tuple[FlaskClient, dict[str, str]], template: str
) -> None:
    client, ids = world
    text = _review_text(client, template, ids["incident_in"], COMPLIANCE_OFFICER)
    for detail in (ids["reference_out"], "quality reasons", "logistics"):
        assert detail in text, detail


def test_the_review_json_says_which_linked_complaints_show_their_timeline(
    world: tuple[FlaskClient, dict[str, str]],
) -> None:
    client, ids = world
    review = ok(client.get(f"/v1/incidents/{ids['incident_in']}/review", headers=TECHNICIAN))
    [linked] = review["linked_complaints"]
    assert linked["reference"] == ids["reference_out"]
    assert linked["timeline_shown"] is False
    assert linked["status"]
    assert {row["stream"] for row in review["timeline"]} == {"incident"}
    assert review["counts"]["handoffs"] == 0
