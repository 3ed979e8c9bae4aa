"""A client generated from the served OpenAPI document drives a complaint through its loop.

openapi-python-client (a mainstream generator) builds the client offline from `/openapi.json`
as the running service serves it; the test imports it and works only through it, over real
HTTP: typed models for bodies, typed keyword arguments for `Idempotency-Key` and `If-Match`,
and the answer's status, headers and parsed body.
"""

import importlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.api.conftest import AGENT, NEW_COMPLAINT
from tests.identities import principal_of
from tests.served import Served, serve

PACKAGE = "generated_ledger_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from tests.conftest import fresh_schema_url

    with (
        fresh_schema_url() as database_url,
        serve(tmp_path_factory.mktemp("served"), database_url) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def generated(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package, generated from the document the service serves, and imported."""
    where = tmp_path_factory.mktemp("client")
    with urllib.request.urlopen(f"{served.base}/openapi.json") as response:
        (where / "openapi.json").write_bytes(response.read())
    # No formatter run after generation: the code is imported, not kept.
    (where / "config.json").write_text(json.dumps({"post_hooks": []}))
    subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(where / "openapi.json"),
            "--output-path",
            str(where / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(where / "config.json"),
        ],
        check=True,
        capture_output=True,
        cwd=where,
    )
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture
def client(generated: ModuleType, served: Served) -> Iterator[Any]:
    """The generated client with an agent's token; its connections closed after the test."""
    token = served.issue_token(principal_of(AGENT))
    with generated.AuthenticatedClient(base_url=served.base, token=token) as authenticated:
        yield authenticated


def _command(name: str) -> Any:
    return _module(f"api.complaints.post_v1_complaints_complaint_{name}")


def test_a_generated_client_drives_a_complaint_through_its_loop(
    client: Any,
) -> None:
    models = _module("models")
    customer = NEW_COMPLAINT["customer"]
    registered = _module("api.complaints.post_v1_complaints").sync_detailed(
        client=client,
        idempotency_key="client-loop-1",
        body=models.RegisterComplaintIn(
            channel=models.RegisterComplaintInChannel(NEW_COMPLAINT["channel"]),
            customer=models.CustomerIn(name=customer["name"], phone=customer["phone"]),
            summary=NEW_COMPLAINT["summary"],
            description=NEW_COMPLAINT["description"],
        ),
    )
    assert registered.status_code == 201
    complaint = registered.parsed
    assert registered.headers["Location"] == f"/v1/complaints/{complaint.id}"
    etag = registered.headers["ETag"]
    steps = [
        (
            "classify",
            models.ClassifyIn(
                category=models.ClassifyInCategory("complaint"),
                priority=models.ClassifyInPriority("normal"),
            ),
        ),
        ("assign", models.AssignIn()),
        ("respond", models.RespondIn(message="We are looking into it.")),
        ("resolve", models.ResolveIn(resolution="A replacement was sent.")),
        ("feedback", models.FeedbackIn(satisfaction=5)),
        ("close", models.CloseIn()),
    ]
    for name, body in steps:
        answer = _command(name).sync_detailed(complaint.id, client=client, body=body, if_match=etag)
        assert answer.status_code == 200, (name, answer.content)
        etag = answer.headers["ETag"]
    read = _module("api.complaints.get_v1_complaints_complaint").sync_detailed(
        complaint.id, client=client
    )
    assert (read.parsed.status, read.headers["ETag"]) == ("closed", etag)


def test_a_generated_client_gets_412_for_a_stale_tag_and_can_act_on_the_current_one(
    client: Any,
) -> None:
    models = _module("models")
    created = _module("api.complaints.post_v1_complaints").sync_detailed(
        client=client,
        body=models.RegisterComplaintIn(
            channel=models.RegisterComplaintInChannel("phone"),
            customer=models.CustomerIn(name="Wang Wu"),
            summary="Late delivery",
            description="Two weeks late.",
        ),
    )
    stale = created.headers["ETag"]
    classify = models.ClassifyIn(
        category=models.ClassifyInCategory("complaint"),
        priority=models.ClassifyInPriority("urgent"),
    )
    first = _command("classify").sync_detailed(
        created.parsed.id, client=client, body=classify, if_match=stale
    )
    refused = _command("assign").sync_detailed(
        created.parsed.id, client=client, body=models.AssignIn(), if_match=stale
    )
    assert refused.status_code == 412
    assert refused.parsed.type_ == "/problems/precondition-failed"
    assert refused.headers["ETag"] == first.headers["ETag"]
    retried = _command("assign").sync_detailed(
        created.parsed.id, client=client, body=models.AssignIn(), if_match=refused.headers["ETag"]
    )
    assert retried.status_code == 200


def test_a_generated_client_sees_an_idempotent_replay_with_the_first_answer(
    client: Any,
) -> None:
    models = _module("models")
    body = models.RegisterComplaintIn(
        channel=models.RegisterComplaintInChannel("email"),
        customer=models.CustomerIn(name="Zhao Liu"),
        summary="Damaged box",
        description="The box was torn.",
    )
    register = _module("api.complaints.post_v1_complaints")
    first = register.sync_detailed(client=client, body=body, idempotency_key="client-replay-1")
    again = register.sync_detailed(client=client, body=body, idempotency_key="client-replay-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.parsed.id == first.parsed.id
    assert [again.headers[h] for h in ("Location", "ETag")] == [
        first.headers[h] for h in ("Location", "ETag")
    ]
