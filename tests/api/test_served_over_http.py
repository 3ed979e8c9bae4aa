"""`ledger serve` runs the API under a production WSGI server on each store."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.config import Settings
from tests.api.conftest import AGENT, NEW_COMPLAINT, TECHNICIAN
from tests.served import Served, serve


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    with serve(tmp_path, database_url) as running:
        yield running


def test_the_server_is_a_production_server_not_the_development_server(
    served: Served, database_url: str
) -> None:
    status, _, headers = served.call("GET", "/health")
    assert status == 200
    # One process is waitress (ident "ledger"); several are gunicorn workers.
    several = Settings(database_url=database_url).processes > 1
    assert headers["Server"] == ("gunicorn" if several else "ledger")


def test_a_complaint_runs_its_loop_over_real_http(served: Served) -> None:
    status, complaint, _ = served.call("POST", "/v1/complaints", NEW_COMPLAINT, AGENT)
    assert status == 201
    path = f"/v1/complaints/{complaint['id']}"
    for name, body in [
        ("classify", {"category": "complaint", "priority": "normal"}),
        ("assign", {}),
        ("respond", {"message": "Looking into it"}),
    ]:
        assert served.call("POST", f"{path}/{name}", body, AGENT)[0] == 200, name
    status, handoff, _ = served.call(
        "POST",
        "/v1/handoffs",
        {"complaint_id": complaint["id"], "to_department": "technical", "reason": "Fault"},
        AGENT,
    )
    assert status == 201
    assert served.call("POST", f"/v1/handoffs/{handoff['id']}/accept", {}, TECHNICIAN)[0] == 200
    assert (
        served.call(
            "POST", f"/v1/handoffs/{handoff['id']}/complete", {"result": "Fixed"}, TECHNICIAN
        )[0]
        == 200
    )
    assert served.call("POST", f"{path}/resolve", {"resolution": "Fixed"}, AGENT)[0] == 200
    assert served.call("POST", f"{path}/feedback", {"satisfaction": 4}, AGENT)[0] == 200
    status, closed, _ = served.call("POST", f"{path}/close", {}, AGENT)
    assert (status, closed["status"]) == (200, "closed")
    status, history, _ = served.call("GET", f"{path}/history", None, AGENT)
    assert len(history["events"]) == 10


def test_the_openapi_document_is_served(served: Served) -> None:
    status, document, _ = served.call("GET", "/openapi.json")
    assert status == 200
    assert document["openapi"].startswith("3.")
