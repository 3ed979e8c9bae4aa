"""Bearer tokens for staff: issued once, stored only as SHA-256 hashes, expiring and revocable.

A token is `lgr_` followed by 256 random bits (base64url). Only its hash reaches the database, so
a copy of the database opens nothing; the secret is shown once, when it is issued. Each token
carries the principal it stands for (staff id, display name, roles, department). Revocation is
a column set once: every request looks the hash up again, so it takes effect on the next one.

The token, its store and its issuing rules are one thing, a few lines over 250.
"""

import hashlib
import re
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore

from privacy.db.single_reads import reading_cursor, select_rows

PREFIX: Final = "lgr_"
# What a token looks like: also how the test suite recognises one that leaked into a log.
TOKEN_PATTERN: Final = re.compile(r"lgr_[A-Za-z0-9_-]{43}")
STAFF_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
DEPARTMENT: Final = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class TokenError(ValueError):
    """A token request that cannot be honoured (malformed staff id, unknown role...)."""


@dataclass(frozen=True)
class Principal:
    """A member of staff as an identity source vouches for them."""

    staff_id: str
    name: str
    roles: tuple[str, ...]
    department: str | None = None
    token_id: str | None = None  # the token that vouched for them, when one did


@dataclass(frozen=True)
class TokenInfo:
    """Everything about a token except its secret."""

    token_id: str
    principal: Principal
    created_at: datetime
    created_by: str
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    token_hash: str = ""
    # From the token's grant (`ledger.access.grants`), not the row: awaiting a second approval.
    pending: bool = False
    approved_by: str | None = None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.pending:
            return "pending"
        return "expired" if now >= self.expires_at else "active"


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _text(moment: datetime) -> str:
    """A fixed-width UTC form, so that text comparison orders moments."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


class TokenStore:
    """The token table, in the ledger's own database."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self._datastore = datastore
        self._table = f'"{datastore.schema}".ledger_access_tokens'
        with self._cursor() as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self._table} ("
                "token_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, "
                "staff_id TEXT NOT NULL, name TEXT NOT NULL, roles TEXT NOT NULL, "
                "department TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL, "
                "expires_at TEXT NOT NULL, revoked_at TEXT, revoked_by TEXT)"
            )

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        with self._datastore.transaction(commit=True) as cursor:
            yield cursor

    def insert(self, info: TokenInfo, token_hash: str) -> None:
        """Store a token's row; its grant (`ledger.access.grants`) is saved first."""
        p = info.principal
        with self._cursor() as c:
            c.execute(
                f"INSERT INTO {self._table} (token_id, token_hash, staff_id, name, roles, "
                "department, created_at, created_by, expires_at) "
                f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    info.token_id,
                    token_hash,
                    p.staff_id,
                    p.name,
                    ",".join(p.roles),
                    p.department,
                    _text(info.created_at),
                    info.created_by,
                    _text(info.expires_at),
                ),
            )

    def find(self, secret: str) -> TokenInfo | None:
        """The token whose secret this is, whatever its state; None for an unknown secret."""
        if not TOKEN_PATTERN.fullmatch(secret):
            return None
        rows = self._select("token_hash = %s", (hash_token(secret),))
        return rows[0] if rows else None

    def find_with_stream_version(
        self, secret: str, *, events_table: str, stream_id: UUID
    ) -> tuple[TokenInfo | None, int | None]:
        """`find`, and in the same statement the version of the event stream `stream_id` in
        `events_table` (the token's grant, as an earlier read named it): one round trip where
        two would make the same reads. The version is None when the stream has no events."""
        if not TOKEN_PATTERN.fullmatch(secret):
            return None, None
        rows = select_rows(
            self._datastore,
            f"SELECT {_COLUMNS}, (SELECT max(originator_version) FROM {events_table} "
            f"WHERE originator_id = %s) AS stream_version FROM {self._table} "
            "WHERE token_hash = %s",
            (stream_id, hash_token(secret)),
        )
        if not rows:
            return None, None
        version = rows[0]["stream_version"]
        return _info(rows[0]), None if version is None else int(version)

    def get(self, token_id: str) -> TokenInfo | None:
        rows = self._select("token_id = %s", (token_id,))
        return rows[0] if rows else None

    def tokens_of(self, staff_id: str) -> list[TokenInfo]:
        return self._select("staff_id = %s", (staff_id,))

    def all_tokens(self) -> list[TokenInfo]:
        """Every token, oldest first, without secrets."""
        return self._select("1 = 1", ())

    def count(self) -> int:
        with reading_cursor(self._datastore) as c:
            c.execute(f"SELECT COUNT(*) AS n FROM {self._table}")
            return int(c.fetchone()["n"])

    def revoke(self, token_id: str, *, now: datetime, revoked_by: str) -> TokenInfo | None:
        """Revoke a token's row (a second revocation keeps the first); None if no such id."""
        with self._cursor() as c:
            c.execute(
                f"UPDATE {self._table} SET revoked_at = %s, revoked_by = %s "
                f"WHERE token_id = %s AND revoked_at IS NULL",
                (_text(now), revoked_by, token_id),
            )
        return self.get(token_id)

    def _select(self, where: str, params: tuple[Any, ...]) -> list[TokenInfo]:
        rows = select_rows(
            self._datastore,
            f"SELECT {_COLUMNS} FROM {self._table} WHERE {where} ORDER BY created_at, token_id",
            params,
        )
        return [_info(r) for r in rows]


_COLUMNS: Final = (
    "token_id, token_hash, staff_id, name, roles, department, created_at, created_by, "
    "expires_at, revoked_at, revoked_by"
)


def _info(r: Any) -> TokenInfo:
    """A token row as read."""
    return TokenInfo(
        token_id=r["token_id"],
        principal=Principal(
            staff_id=r["staff_id"],
            name=r["name"],
            roles=tuple(r["roles"].split(",")),
            department=r["department"],
        ),
        created_at=datetime.fromisoformat(r["created_at"]),
        created_by=r["created_by"],
        expires_at=datetime.fromisoformat(r["expires_at"]),
        revoked_at=_moment(r["revoked_at"]),
        revoked_by=r["revoked_by"],
        token_hash=r["token_hash"],
    )


def new_token(
    principal: Principal,
    *,
    known_roles: Sequence[str],
    now: datetime,
    expires_at: datetime,
    created_by: str,
    secret: str | None = None,
) -> tuple[TokenInfo, str]:
    """A new token for `principal` (not yet stored) and its secret.

    `secret` registers one generated elsewhere (one bench token for several stores).
    """
    check_principal(principal, known_roles=known_roles)
    if expires_at <= now:
        raise TokenError("a token must expire in the future")
    if secret is not None and not TOKEN_PATTERN.fullmatch(secret):
        raise TokenError("a token is lgr_ and 43 base64url characters")
    secret = secret or PREFIX + secrets.token_urlsafe(32)
    info = TokenInfo(
        token_id="tok_" + secrets.token_hex(8),
        principal=principal,
        created_at=now,
        created_by=created_by,
        expires_at=expires_at,
        token_hash=hash_token(secret),
    )
    return info, secret


def check_principal(principal: Principal, *, known_roles: Sequence[str]) -> None:
    """Refuse a malformed principal with a message naming the part (never echoing values)."""
    if not STAFF_ID.match(principal.staff_id):
        raise TokenError("staff id: 1-64 letters, digits, '.', '_', '@' or '-'")
    if not principal.roles:
        raise TokenError("a token needs at least one role")
    unknown = [r for r in principal.roles if r not in known_roles]
    if unknown:
        raise TokenError(f"unknown role; expected one of {', '.join(known_roles)}")
    if len(set(principal.roles)) != len(principal.roles):
        raise TokenError("a role is named twice")
    if principal.department is not None and not DEPARTMENT.match(principal.department):
        raise TokenError("department: lower-case letters, digits and '_'")
    if len(principal.name) > 200 or not principal.name.isprintable():
        raise TokenError("name: at most 200 printable characters")
