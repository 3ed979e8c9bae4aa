"""Every list pages the same way: a sealed cursor, a `next` link in the body and the Link header,
one maximum page size, and 400 naming the field for a page that cannot be read."""

import json
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from ledger.clock import ManualClock
from projections.engine.keyset import MAX_PAGE_SIZE
from tests.api.conftest import AGENT, COMPLIANCE_OFFICER, INCIDENT_MANAGER, MANAGER, ok, workable

LISTS = [
    ("/v1/complaints", "items"),
    ("/v1/complaints?sort=due", "items"),
    ("/v1/departments/service/queue", "items"),
    ("/v1/departments/service/queue?sort=due", "items"),
    ("/v1/departments/technical/handoffs", "handoffs"),
    ("/v1/handoffs", "items"),
    ("/v1/handoffs?sort=due&department=technical", "items"),
    ("/v1/escalations", "items"),
    ("/v1/incidents", "items"),
    ("/v1/incidents?sort=due", "items"),
    ("/v1/audit/access-log", "entries"),
    ("/v1/audit/operations", "entries"),
]


@pytest.fixture
def filled(client: FlaskClient, clock: ManualClock) -> FlaskClient:
    """Five of everything each list shows, a minute apart."""
    for n in range(5):
        complaint = workable(client)
        ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))  # a reveal
        body = {"complaint_id": complaint["id"], "to_department": "technical", "reason": "x"}
        ok(client.post("/v1/handoffs", json=body, headers=AGENT), 201)
        body = {"complaint_id": complaint["id"], "level": "supervisor", "reason": "upset"}
        ok(client.post("/v1/escalations", json=body, headers=AGENT), 201)
        incident = {"title": f"Outage {n}", "description": "d"}
        ok(client.post("/v1/incidents", json=incident, headers=INCIDENT_MANAGER), 201)
        clock.advance(timedelta(minutes=1))
    return client


def _key(item: dict[str, Any]) -> str:
    return json.dumps(item, sort_keys=True)


def _walk(client: FlaskClient, url: str, field: str) -> tuple[list[Any], list[Any]]:
    """Every item of the list in pages of two, following `next`; and the whole list at once."""
    whole = ok(client.get(url, headers=COMPLIANCE_OFFICER))[field]
    seen: list[Any] = []
    link = f"{url}{'&' if '?' in url else '?'}limit=2"
    while link:
        response = client.get(link, headers=COMPLIANCE_OFFICER)
        body = ok(response)
        assert len(body[field]) <= 2
        seen.extend(body[field])
        link = body["next"]
        if link:
            assert response.headers["Link"] == f'<{link}>; rel="next"'
            assert body["next_cursor"] in link
        else:
            assert "Link" not in response.headers and body["next_cursor"] is None
    return seen, whole


@pytest.mark.parametrize(("url", "field"), LISTS)
def test_following_next_links_walks_the_whole_list_once_in_order(
    filled: FlaskClient, url: str, field: str
) -> None:
    seen, whole = _walk(filled, url, field)
    if "/audit/" in url:
        # Reading a log adds to it, at the newest end: the pages walk the log as it stood at
        # the first page, whose newest entry is the reading of `whole` itself.
        assert [_key(e) for e in seen[1:]] == [_key(e) for e in whole]
        assert len(whole) >= 5
    else:
        assert [_key(i) for i in seen] == [_key(i) for i in whole]
        assert len(seen) == 5


def test_due_order_puts_the_soonest_deadline_first_and_none_last(
    client: FlaskClient, clock: ManualClock
) -> None:
    from tests.api.conftest import register

    unclassified = register(client)  # nothing due yet
    clock.advance(timedelta(minutes=1))
    urgent = workable(client)  # first response due in 2 h
    body = ok(client.get("/v1/complaints?sort=due", headers=MANAGER))
    assert [i["id"] for i in body["items"]] == [urgent["id"], unclassified["id"]]


def _first_page(client: FlaskClient, url: str) -> dict[str, Any]:
    return ok(client.get(url, headers=COMPLIANCE_OFFICER))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),  # the seal
        lambda c: "e30" + c[3:],  # the key
        lambda c: "not-a-cursor",
        lambda c: c + "." + c,
    ],
)
def test_an_altered_cursor_is_refused_as_400_naming_it(filled: FlaskClient, tamper: Any) -> None:
    cursor = _first_page(filled, "/v1/complaints?limit=2")["next_cursor"]
    response = filled.get(f"/v1/complaints?limit=2&cursor={tamper(cursor)}", headers=MANAGER)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["field"] == "cursor"


@pytest.mark.parametrize(
    "elsewhere",
    ["/v1/complaints?status=classified", "/v1/complaints?sort=due", "/v1/handoffs"],
)
def test_a_cursor_is_good_only_for_the_list_and_filters_it_came_from(
    filled: FlaskClient, elsewhere: str
) -> None:
    cursor = _first_page(filled, "/v1/complaints?limit=2")["next_cursor"]
    joiner = "&" if "?" in elsewhere else "?"
    response = filled.get(f"{elsewhere}{joiner}cursor={cursor}", headers=MANAGER)
    assert response.status_code == 400
    assert response.get_json()["field"] == "cursor"


@pytest.mark.parametrize(("url", "field"), LISTS)
def test_a_page_larger_than_the_maximum_is_refused_as_400_naming_limit(
    client: FlaskClient, url: str, field: str
) -> None:
    joiner = "&" if "?" in url else "?"
    response = client.get(f"{url}{joiner}limit={MAX_PAGE_SIZE + 1}", headers=COMPLIANCE_OFFICER)
    assert response.status_code == 400
    assert response.get_json()["field"] == "limit"
    allowed = client.get(f"{url}{joiner}limit={MAX_PAGE_SIZE}", headers=COMPLIANCE_OFFICER)
    assert allowed.status_code == 200


def test_a_bad_filter_beside_paging_stays_422(client: FlaskClient) -> None:
    response = client.get("/v1/complaints?status=lost", headers=MANAGER)
    assert response.status_code == 422
    assert response.get_json()["field"] == "status"
