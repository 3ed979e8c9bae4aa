"""Administration pages: tokens under the two-person rule, the staff directory, webhooks; for
administrators only; secrets shown once (tokens) or never (webhook secrets)."""

import re

from flask import Flask
from flask.testing import FlaskClient

from ledger.access.tokens import Principal
from tests.console.conftest import AGENT, signed_in

ADMIN = Principal("admin-1", "Admin One", ("administrator",))
SECOND_ADMIN = Principal("admin-2", "Admin Two", ("administrator",))
_SECRET = re.compile(r'<code class="secret" id="new-token">([^<]+)</code>')
_WEBHOOK_SECRET = "whsec_" + "A" * 40


def _issue(client: FlaskClient, csrf: str, role: str) -> tuple[int, str]:
    answer = client.post(
        "/console/admin/tokens",
        data={"csrf": csrf, "staff_id": "new-1", "name": "New One", "roles": role},
    )
    return answer.status_code, answer.get_data(as_text=True)


def _form_path(page: str, action: str, after: str = "") -> str:
    """The path of the first `action` form on the page after the text `after`."""
    end = page.index(f'/{action}"', page.index(after))
    return page[page.rindex("/console/admin/", 0, end) : end + len(action) + 1]


def test_an_agent_may_not_open_administration(app: Flask) -> None:
    client, _ = signed_in(app, AGENT)
    for path in ("/console/admin/tokens", "/console/admin/staff", "/console/admin/webhooks"):
        assert client.get(path).status_code == 403


def test_an_issued_tokens_secret_is_shown_once(app: Flask) -> None:
    client, csrf = signed_in(app, ADMIN)
    status, page = _issue(client, csrf, "agent")
    assert status == 201
    found = _SECRET.search(page)
    assert found, "no secret on the issue page"
    listing = client.get("/console/admin/tokens").get_data(as_text=True)
    assert "new-1" in listing and found.group(1) not in listing


def test_a_guarded_token_waits_for_a_second_administrator(app: Flask) -> None:
    client, csrf = signed_in(app, ADMIN)
    status, page = _issue(client, csrf, "privacy_officer")
    assert status == 201 and "two-person rule" in page
    own = client.post(_form_path(page, "approve", after="(new-1)"), data={"csrf": csrf})
    assert own.status_code == 409 and "The ledger refused:" in own.get_data(as_text=True)
    other, other_csrf = signed_in(app, SECOND_ADMIN)
    path = _form_path(other.get("/console/admin/tokens").get_data(as_text=True), "approve")
    assert other.post(path, data={"csrf": other_csrf}).status_code == 303
    assert "pending" not in other.get("/console/admin/tokens").get_data(as_text=True)


def test_an_administrator_revokes_a_token(app: Flask) -> None:
    client, csrf = signed_in(app, ADMIN)
    assert _issue(client, csrf, "agent")[0] == 201
    listing = client.get("/console/admin/tokens").get_data(as_text=True)
    path = _form_path(listing, "revoke", after="(new-1)")
    assert client.post(path, data={"csrf": csrf}).status_code == 303
    listing = client.get("/console/admin/tokens").get_data(as_text=True)
    row = listing[listing.index("(new-1)") :]
    assert row[: row.index("</tr>")].count('class="token-state">revoked<') == 1


def test_a_token_without_a_role_names_the_field(app: Flask) -> None:
    client, csrf = signed_in(app, ADMIN)
    answer = client.post("/console/admin/tokens", data={"csrf": csrf, "staff_id": "x-1"})
    assert answer.status_code == 422 and "roles" in answer.get_data(as_text=True)


def test_an_administrator_adds_and_removes_a_member_of_staff(app: Flask) -> None:
    client, csrf = signed_in(app, ADMIN)
    answer = client.post(
        "/console/admin/staff",
        data={
            "csrf": csrf,
            "staff_id": "sup-9",
            "display_name": "张伟",
            "email": "zhang@example.com",
            "level": "supervisor",
            "department": "logistics",
        },
    )
    assert answer.status_code == 303
    page = client.get("/console/admin/staff").get_data(as_text=True)
    assert "张伟" in page
    assert client.post(_form_path(page, "remove"), data={"csrf": csrf}).status_code == 303
    assert "张伟" not in client.get("/console/admin/staff").get_data(as_text=True)


def test_a_member_of_staff_with_a_bad_email_names_the_field(app: Flask) -> None:
    client, csrf = signed_in(app, ADMIN)
    answer = client.post(
        "/console/admin/staff",
        data={
            "csrf": csrf,
            "staff_id": "s-1",
            "display_name": "S",
            "email": "no",
            "level": "agent",
        },
    )
    assert answer.status_code == 422 and "email" in answer.get_data(as_text=True)


def test_a_webhooks_secret_is_never_shown_back(app: Flask) -> None:
    client, csrf = signed_in(app, ADMIN)
    answer = client.post(
        "/console/admin/webhooks",
        data={
            "csrf": csrf,
            "url": "http://127.0.0.1:9/hook",
            "secret": _WEBHOOK_SECRET,
            "departments": "logistics",
        },
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    page = client.get("/console/admin/webhooks").get_data(as_text=True)
    assert "http://127.0.0.1:9/hook" in page and "logistics" in page
    assert _WEBHOOK_SECRET not in page
    assert client.post(_form_path(page, "remove"), data={"csrf": csrf}).status_code == 303
    assert "No subscriptions." in client.get("/console/admin/webhooks").get_data(as_text=True)


def test_a_webhook_for_an_unknown_department_names_the_field(app: Flask) -> None:
    client, csrf = signed_in(app, ADMIN)
    answer = client.post(
        "/console/admin/webhooks",
        data={
            "csrf": csrf,
            "url": "http://127.0.0.1:9/hook",
            "secret": _WEBHOOK_SECRET,
            "departments": "nowhere",
        },
    )
    assert answer.status_code == 422 and "departments" in answer.get_data(as_text=True)
