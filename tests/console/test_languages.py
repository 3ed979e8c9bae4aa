"""The console speaks English and Simplified Chinese, and shows times in the user's zone."""

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask

from api.console.i18n import TRANSLATIONS
from tests.console.conftest import AGENT, register, signed_in


def test_accept_language_chinese_gets_the_chinese_sign_in_page(app: Flask) -> None:
    page = app.test_client().get("/console/sign-in", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "登录" in page.get_data(as_text=True)


def test_without_a_preference_the_console_speaks_english(app: Flask) -> None:
    page = app.test_client().get("/console/sign-in")
    assert "Sign in" in page.get_data(as_text=True)


def test_a_language_chosen_in_the_session_outranks_accept_language(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    client.post("/console/preferences", data={"csrf": csrf, "language": "zh_Hans"})
    page = client.get("/console/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "我的工作" in page


def test_times_show_in_the_chosen_zone_with_utc_on_hover(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    client.post("/console/preferences", data={"csrf": csrf, "timezone": "Asia/Shanghai"})
    page = client.get(register(client, csrf)).get_data(as_text=True)
    # START is 09:00 UTC: 17:00 in Shanghai, with the UTC instant in the title.
    assert 'title="2026-03-02 09:00:00 UTC"' in page
    assert "5:00:00" in page


def test_an_unknown_time_zone_is_refused(app: Flask) -> None:
    client, csrf = signed_in(app, AGENT)
    answer = client.post("/console/preferences", data={"csrf": csrf, "timezone": "Mars/Base"})
    assert answer.status_code == 422


def test_every_chinese_message_is_translated() -> None:
    with (TRANSLATIONS / "zh_Hans/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = read_po(po)
    assert [m.id for m in catalogue if m.id and not m.string] == []


def test_the_committed_compiled_catalogues_match_their_sources() -> None:
    for po_path in Path(TRANSLATIONS).glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as po, po_path.with_suffix(".mo").open("rb") as mo:
            source = {m.id: m.string for m in read_po(po) if m.id}
            compiled = {m.id: m.string for m in read_mo(mo) if m.id}
        assert compiled == source, f"{po_path}: run pybabel compile -d api/console/translations"
