"""Signing in and out of the console: sessions, CSRF, fixation, expiry, redirects."""

from datetime import timedelta

from flask import Flask

from ledger.clock import ManualClock
from tests.api.conftest import issue_token
from tests.console.conftest import AGENT, csrf_of, session_cookie, sign_in, signed_in


def test_a_page_reached_without_a_session_redirects_to_sign_in(app: Flask) -> None:
    answer = app.test_client().get("/console/")
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/console/sign-in?next=")


def test_a_valid_token_signs_in_and_shows_my_work(app: Flask) -> None:
    client, _ = signed_in(app, AGENT)
    page = client.get("/console/")
    assert page.status_code == 200
    assert "王小明" in page.get_data(as_text=True)


def test_a_wrong_token_is_refused_and_opens_nothing(app: Flask) -> None:
    client = app.test_client()
    form = client.get("/console/sign-in").get_data(as_text=True)
    answer = client.post(
        "/console/sign-in", data={"csrf": csrf_of(form), "token": "lgr_" + "x" * 43}
    )
    assert answer.status_code == 401
    assert client.get("/console/").status_code == 303


def test_sign_in_gives_a_new_session_id_not_the_one_the_browser_had(app: Flask) -> None:
    client = app.test_client()
    form = client.get("/console/sign-in").get_data(as_text=True)
    planted = session_cookie(client)
    token = issue_token(app, AGENT)
    client.post("/console/sign-in", data={"csrf": csrf_of(form), "token": token})
    assert session_cookie(client) not in (None, planted)
    attacker = app.test_client()
    attacker.set_cookie("ledger_console", planted or "", path="/console")
    assert attacker.get("/console/").status_code == 303


def test_a_post_without_the_sessions_csrf_token_is_refused(app: Flask) -> None:
    client, _ = signed_in(app, AGENT)
    answer = client.post("/console/sign-out", data={"csrf": "forged"})
    assert answer.status_code == 400
    assert client.get("/console/").status_code == 200  # still signed in


def test_a_sign_in_without_the_forms_csrf_token_is_refused(app: Flask) -> None:
    client = app.test_client()
    client.get("/console/sign-in")
    answer = client.post("/console/sign-in", data={"token": issue_token(app, AGENT)})
    assert answer.status_code == 400


def test_sign_out_ends_the_session(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    cookie = session_cookie(client)
    assert client.post("/console/sign-out", data={"csrf": csrf}).status_code == 303
    replay = app.test_client()
    replay.set_cookie("ledger_console", cookie or "", path="/console")
    assert replay.get("/console/").status_code == 303


def test_a_session_unused_past_the_idle_limit_has_expired(app: Flask, clock: ManualClock) -> None:
    client, _ = signed_in(app, AGENT)
    clock.advance(timedelta(minutes=29))
    assert client.get("/console/").status_code == 200
    clock.advance(timedelta(minutes=30))
    assert client.get("/console/").status_code == 303


def test_a_session_in_use_still_ends_at_the_absolute_limit(app: Flask, clock: ManualClock) -> None:
    client, _ = signed_in(app, AGENT)
    for _ in range(12 * 4 - 1):
        clock.advance(timedelta(minutes=15))
        assert client.get("/console/").status_code == 200
    clock.advance(timedelta(minutes=15))
    assert client.get("/console/").status_code == 303


def test_the_session_cookie_is_httponly_and_same_site_strict(app: Flask) -> None:
    client = app.test_client()
    form = client.get("/console/sign-in").get_data(as_text=True)
    answer = client.post(
        "/console/sign-in", data={"csrf": csrf_of(form), "token": issue_token(app, AGENT)}
    )
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_over_https(app: Flask) -> None:
    answer = app.test_client().get("/console/sign-in", base_url="https://localhost")
    assert "Secure" in answer.headers["Set-Cookie"]


def test_every_page_carries_a_strict_content_security_policy(app: Flask) -> None:
    policy = app.test_client().get("/console/sign-in").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy


def test_a_revoked_token_ends_its_console_sessions(app: Flask) -> None:
    client, _ = signed_in(app, AGENT)
    tokens = app.extensions["access"].tokens
    token_id = tokens.store.tokens_of(AGENT.staff_id)[0].token_id
    tokens.revoke(token_id, by="admin-1", token_used=None, now=app.extensions["ledger"].clock.now())
    assert client.get("/console/").status_code == 303


def test_sign_in_failure_and_page_views_are_in_the_operation_log(app: Flask) -> None:
    client = app.test_client()
    form = client.get("/console/sign-in").get_data(as_text=True)
    client.post("/console/sign-in", data={"csrf": csrf_of(form), "token": "lgr_" + "y" * 43})
    sign_in(client, issue_token(app, AGENT))
    ops = app.extensions["access"].oplog.query(limit=50)
    seen = [(o.operation, o.result, o.staff_id) for o in ops]
    assert ("console.sign_in", "refused", "-") in seen
    assert ("console.sign_in", "allowed", "agent-7") in seen
    assert ("console.home", "allowed", "agent-7") in seen
