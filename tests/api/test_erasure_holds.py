"""Erasure holds: against a restored key row, and against a legal hold on a case."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
from flask.testing import FlaskClient
from psycopg import sql

from privacy.fields import ERASED, TAMPERED
from tests.api.conftest import AGENT, COMPLIANCE_OFFICER, command, erase, ok, workable
from tests.conftest import POSTGRES_URL

PRIVACY_OFFICER = {"X-Staff-Id": "dpo-1", "X-Staff-Role": "privacy_officer"}


def _keys_table(database_url: str) -> sql.Identifier:
    schema = parse_qs(urlsplit(database_url).query)["schema"][0]
    return sql.Identifier(schema, "ledger_subject_keys")


def _key_row(database_url: str, subject: str) -> tuple[Any, ...]:
    """What a backup holds of the person's key: their row, as dumped."""
    with psycopg.connect(POSTGRES_URL) as connection:
        row = connection.execute(
            sql.SQL(
                "SELECT subject_id, key_id, wrapped, master_key_id, created_at, erased_at FROM {} "
                "WHERE subject_id = %s"
            ).format(_keys_table(database_url)),
            (subject,),
        ).fetchone()
    assert row is not None
    return tuple(row)


def _restore(database_url: str, row: tuple[Any, ...]) -> None:
    """Put a dumped key row back, as a restore of that table from the backup would."""
    with psycopg.connect(POSTGRES_URL) as connection:
        table = _keys_table(database_url)
        connection.execute(sql.SQL("DELETE FROM {} WHERE subject_id = %s").format(table), row[:1])
        connection.execute(
            sql.SQL(
                "INSERT INTO {} (subject_id, key_id, wrapped, master_key_id, created_at, "
                "erased_at) VALUES (%s, %s, %s, %s, %s, %s)"
            ).format(table),
            row,
        )


def _breaks(client: FlaskClient) -> list[dict[str, Any]]:
    report = ok(client.get("/v1/audit/verification", headers=COMPLIANCE_OFFICER))
    return list(report["breaks"])


def _erased_then_restored(client: FlaskClient, database_url: str) -> tuple[dict[str, Any], str]:
    complaint = workable(client)
    subject = complaint["customer"]["subject_id"]
    backup = _key_row(database_url, subject)
    erase(client, subject)
    _restore(database_url, backup)
    return complaint, subject


def test_a_key_row_restored_from_a_backup_after_erasure_still_reads_as_erased(
    client: FlaskClient, database_url: str
) -> None:
    complaint, subject = _erased_then_restored(client, database_url)
    read = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))
    assert read["customer"]["name"] == ERASED
    assert _key_row(database_url, subject)[2] is None  # destroyed again on that first read


def test_nothing_personal_is_written_under_a_restored_key_of_an_erased_person(
    client: FlaskClient, database_url: str
) -> None:
    complaint, _ = _erased_then_restored(client, database_url)
    response = command(client, complaint["id"], "notes", {"note": "after the restore"})
    assert response.status_code == 409
    assert "after the restore" not in response.get_data(as_text=True)


def test_verify_reports_a_key_restored_for_an_erased_person(
    client: FlaskClient, database_url: str
) -> None:
    _, subject = _erased_then_restored(client, database_url)
    found = [b for b in _breaks(client) if subject in b["detail"]]
    assert [b["kind"] for b in found] == ["altered"]
    assert "restored" in found[0]["detail"]


def test_verify_reports_a_key_destroyed_without_an_erasure(
    client: FlaskClient, database_url: str
) -> None:
    subject = workable(client)["customer"]["subject_id"]
    with psycopg.connect(POSTGRES_URL) as connection:
        connection.execute(
            sql.SQL("UPDATE {} SET wrapped = NULL WHERE subject_id = %s").format(
                _keys_table(database_url)
            ),
            (subject,),
        )
    found = [b for b in _breaks(client) if subject in b["detail"]]
    assert [b["kind"] for b in found] == ["missing"]
    assert "no erasure" in found[0]["detail"]


def test_an_erased_and_a_kept_person_leave_verify_intact(client: FlaskClient) -> None:
    workable(client)
    erase(client, workable(client)["customer"]["subject_id"])
    assert _breaks(client) == []


def test_a_key_row_copied_from_another_person_reads_as_tampered(
    client: FlaskClient, database_url: str
) -> None:
    victim, other = workable(client), workable(client)
    theirs = _key_row(database_url, other["customer"]["subject_id"])
    with psycopg.connect(POSTGRES_URL) as connection:
        connection.execute(  # the other person's wrapped key, under the victim's key id
            sql.SQL("UPDATE {} SET wrapped = %s WHERE subject_id = %s").format(
                _keys_table(database_url)
            ),
            (theirs[2], victim["customer"]["subject_id"]),
        )
    read = ok(client.get(f"/v1/complaints/{victim['id']}", headers=AGENT))
    assert read["customer"]["name"] == TAMPERED


def test_a_customer_whose_case_is_under_legal_hold_cannot_be_erased(
    client: FlaskClient,
) -> None:
    complaint = workable(client)
    subject = complaint["customer"]["subject_id"]
    hold = f"/v1/cases/{complaint['id']}/legal-hold"
    ok(client.post(hold, json={"reason": "Litigation 2026-31"}, headers=COMPLIANCE_OFFICER))

    refused = client.post(
        f"/v1/subjects/{subject}/erasure", json={"legal_basis": "Request"}, headers=PRIVACY_OFFICER
    )
    assert refused.status_code == 409
    assert "Litigation 2026-31" in refused.get_json()["detail"]
    assert complaint["reference"] in refused.get_json()["detail"]
    read = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))
    assert read["customer"]["name"] not in (ERASED, TAMPERED)

    ok(client.post(f"{hold}/lift", json={"reason": "Settled"}, headers=COMPLIANCE_OFFICER))
    erase(client, subject)
    read = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))
    assert read["customer"]["name"] == ERASED
