"""`ledger tokens` and the first administrator token of an empty embedded store."""

from pathlib import Path

from ledger.access.tokens import TOKEN_PATTERN
from tests.api.test_cli import ledger_command
from tests.served import serve


def test_tokens_create_prints_the_token_once_as_the_last_line(data_dir: Path) -> None:
    created = ledger_command(
        data_dir, "tokens", "create", "--staff", "agent-7", "--role", "agent",
        "--department", "service", "--name", "Wang Wu", "--expires", "30d",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    last = created.stdout.strip().splitlines()[-1]
    assert TOKEN_PATTERN.fullmatch(last)
    listed = ledger_command(data_dir, "tokens", "list")
    assert "agent-7" in listed.stdout and "active" in listed.stdout
    assert last not in listed.stdout


def test_tokens_revoke_marks_the_token_revoked(data_dir: Path) -> None:
    ledger_command(data_dir, "tokens", "create", "--staff", "a-1", "--role", "agent")
    token_id = ledger_command(data_dir, "tokens", "list").stdout.splitlines()[1].split()[0]
    revoked = ledger_command(data_dir, "tokens", "revoke", token_id)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in ledger_command(data_dir, "tokens", "list").stdout


def test_a_refused_token_request_is_one_line_and_exit_2(data_dir: Path) -> None:
    ledger_command(data_dir, "tokens", "list")  # the first start warns about its new master key
    refused = ledger_command(
        data_dir, "tokens", "create", "--staff", "d-1", "--role", "department_staff"
    )
    assert (refused.returncode, refused.stderr.count("\n")) == (2, 1)
    assert "department" in refused.stderr
    unknown = ledger_command(data_dir, "tokens", "revoke", "tok_nothing")
    assert (unknown.returncode, unknown.stderr.count("\n")) == (2, 1)


def test_first_start_of_an_empty_embedded_store_prints_an_administrator_token(
    tmp_path: Path,
) -> None:
    with serve(tmp_path) as served:
        token = ""
        for line in served.lines():
            if found := TOKEN_PATTERN.search(line):
                token = found.group()
            if line.startswith("Every /v1 request"):
                break
        admin = {"Authorization": f"Bearer {token}"}
        status, issued, _ = served.call(
            "POST", "/v1/tokens", {"staff_id": "sup-1", "roles": ["supervisor"]}, admin
        )
        assert status == 201, issued
    with serve(tmp_path) as again:
        for line in again.lines():
            assert not TOKEN_PATTERN.search(line)
            if line.startswith("Every /v1 request"):
                break
