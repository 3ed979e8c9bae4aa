"""The insider suite, on the data keys and the access tokens: with their tables' triggers
disabled, a row edited, deleted, slipped in, swapped with another, or the newest rows cut off,
is caught by plain `verify` and named by its subject or token id.

Key rows are checked against the erasures in the ledger and against the master key (a row
opens only for its own subject: ledger/integrity/key_checks.py); token rows against their
grants in the ledger (ledger/integrity/grant_checks.py).
"""

from collections.abc import Callable, Iterator
from datetime import timedelta
from uuid import UUID

import pytest

from ledger.access.grants import TokenGrants
from ledger.access.policy import ROLES
from ledger.access.tokens import Principal, TokenStore
from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.service import Integrity
from tests.integrity.helpers import AGENT, register
from tests.integrity.insider import Place, as_ledger_verify_runs, disable_triggers, located
from tests.integrity.test_tampering import Insider

KEYS, TOKENS = "ledger_subject_keys", "ledger_access_tokens"
Rows = dict[str, list[str]]  # "keys": subjects A, B, C (C erased); "tokens": three token ids


@pytest.fixture
def rows(
    ledger: LedgerApplication, clock: ManualClock, integrity: Integrity, database_url: str
) -> Iterator[tuple[Integrity, Insider, Rows]]:
    """Three customers (the third erased) and three tokens, under a checkpoint."""
    as_ledger_verify_runs(integrity, ledger)
    subjects = [
        str(ledger.get_complaint(UUID(case)).customer.subject_id)
        for case in register(ledger, clock, 3)
    ]
    ledger.erase_subject(UUID(subjects[2]), legal_basis="Request", actor=AGENT)
    grants = TokenGrants(ledger, TokenStore(ledger.recorder.datastore))  # type: ignore[attr-defined]
    tokens = []
    for n in range(3):
        info, _ = grants.issue(
            Principal(f"agent-{n}", f"Agent {n}", ("agent",), "service"),
            known_roles=ROLES,
            now=clock.now(),
            expires_at=clock.now() + timedelta(days=90),
            created_by="admin-1",
        )
        tokens.append(info.token_id)
        clock.advance(timedelta(minutes=1))
    integrity.checkpoint()
    insider = Insider(database_url)
    disable_triggers(insider, KEYS, TOKENS)
    yield integrity, insider, {"keys": subjects, "tokens": tokens}
    insider.close()


def _t(insider: Insider, table: str) -> str:
    return f"{insider.events.rsplit('.', 1)[0]}.{table}"


def _swap(insider: Insider, table: str, key: str, column: str, first: str, second: str) -> None:
    t = _t(insider, table)
    insider.execute(
        f"UPDATE {t} a SET {column} = b.{column} FROM {t} b "
        f"WHERE (a.{key}, b.{key}) IN ((%s, %s), (%s, %s))",
        (first, second, second, first),
    )


def _delete(insider: Insider, table: str, key: str, *ids: str) -> None:
    insider.execute(f"DELETE FROM {_t(insider, table)} WHERE {key} = ANY(%s)", (list(ids),))


def _restore_erased(insider: Insider, subjects: list[str]) -> None:
    """A live row slipped in for the erased person: another person's key, under their id."""
    keys = _t(insider, KEYS)
    _delete(insider, KEYS, "subject_id", subjects[2])
    insider.execute(
        f"INSERT INTO {keys} SELECT %s, key_id, wrapped, master_key_id, created_at, NULL "
        f"FROM {keys} WHERE subject_id = %s",
        (subjects[2], subjects[0]),
    )


def _forge_token(insider: Insider, tokens: list[str]) -> None:
    table = _t(insider, TOKENS)
    insider.execute(
        f"INSERT INTO {table} SELECT 'forged', 'forged-hash', staff_id, name, "
        "'agent,administrator', department, created_at, created_by, expires_at, NULL, NULL "
        f"FROM {table} WHERE token_id = %s",
        (tokens[0],),
    )


Tampering = Callable[[Insider, Rows], object]
Expected = Callable[[Rows], set[Place]]
CASES: dict[str, tuple[Tampering, Expected]] = {
    "keys: edit": (
        lambda i, r: i.execute(
            f"UPDATE {_t(i, KEYS)} SET wrapped = 'AAAA' || substr(wrapped, 5) "
            "WHERE subject_id = %s",
            (r["keys"][0],),
        ),
        lambda r: {("altered", KEYS, r["keys"][0])},
    ),
    "keys: delete": (
        lambda i, r: _delete(i, KEYS, "subject_id", r["keys"][1]),
        lambda r: {("missing", KEYS, r["keys"][1])},
    ),
    "keys: insert": (
        lambda i, r: _restore_erased(i, r["keys"]),
        lambda r: {("altered", KEYS, r["keys"][2])},
    ),
    "keys: reorder": (
        lambda i, r: _swap(i, KEYS, "subject_id", "wrapped", r["keys"][0], r["keys"][1]),
        lambda r: {("altered", KEYS, r["keys"][0]), ("altered", KEYS, r["keys"][1])},
    ),
    "keys: truncate the tail": (
        lambda i, r: _delete(i, KEYS, "subject_id", r["keys"][1], r["keys"][2]),
        lambda r: {("missing", KEYS, r["keys"][1]), ("missing", KEYS, r["keys"][2])},
    ),
    "tokens: edit": (
        lambda i, r: i.execute(
            f"UPDATE {_t(i, TOKENS)} SET roles = 'agent,administrator' WHERE token_id = %s",
            (r["tokens"][1],),
        ),
        lambda r: {("altered", TOKENS, r["tokens"][1])},
    ),
    "tokens: delete": (
        lambda i, r: _delete(i, TOKENS, "token_id", r["tokens"][1]),
        lambda r: {("missing", TOKENS, r["tokens"][1])},
    ),
    "tokens: insert": (
        lambda i, r: _forge_token(i, r["tokens"]),
        lambda r: {("inserted", TOKENS, "forged")},
    ),
    "tokens: reorder": (
        lambda i, r: _swap(i, TOKENS, "token_id", "staff_id", r["tokens"][0], r["tokens"][1]),
        lambda r: {("altered", TOKENS, r["tokens"][0]), ("altered", TOKENS, r["tokens"][1])},
    ),
    "tokens: truncate the tail": (
        lambda i, r: _delete(i, TOKENS, "token_id", r["tokens"][1], r["tokens"][2]),
        lambda r: {("missing", TOKENS, r["tokens"][1]), ("missing", TOKENS, r["tokens"][2])},
    ),
}


def test_untouched_keys_and_tokens_verify(rows: tuple[Integrity, Insider, Rows]) -> None:
    integrity, _, _ = rows
    report = integrity.verify()
    assert report.intact, [b.describe() for b in report.breaks]


@pytest.mark.parametrize("tampering", sorted(CASES))
def test_an_insider_tampering_with_keys_or_tokens_is_caught_and_located(
    rows: tuple[Integrity, Insider, Rows], tampering: str
) -> None:
    integrity, insider, found = rows
    tamper, expected = CASES[tampering]
    tamper(insider, found)
    report = integrity.verify()
    assert expected(found) <= located(report), [b.describe() for b in report.breaks]
