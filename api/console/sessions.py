"""The console's server-side sessions: one PostgreSQL row per session, found by the hash of its id.

The browser holds only a random session id (256 bits) in an HttpOnly, SameSite=Strict cookie;
the row, keyed by the id's SHA-256, holds who signed in (with the token that vouched for them),
the session's CSRF token, its second-factor state and the user's language and time zone. A copy
of the table opens no session. Signing in starts a new row and ends the one before it, so an id
planted before sign-in is worth nothing after it (no session fixation).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from eventsourcing.postgres import PostgresDatastore

from ledger.access.tokens import Principal
from privacy.db.schema_lock import serialise_schema_changes
from privacy.db.single_reads import reading_cursor

# Second-factor states: not needed, needed (enrolled: asks for a code), enrolling (shows the
# secret once, then asks for a code), passed.
FACTOR_STATES: Final = ("none", "needed", "enrolling", "passed")


@dataclass(frozen=True)
class ConsoleSession:
    """One session as its row holds it; `principal` is None before sign-in."""

    key: str  # the SHA-256 of the session id: the row's key, never the id itself
    csrf: str
    created_at: datetime
    seen_at: datetime
    principal: Principal | None = None
    factor: str = "none"
    language: str | None = None
    timezone: str = "UTC"

    @property
    def signed_in(self) -> bool:
        return self.principal is not None and self.factor in ("none", "passed")

    def expired(self, now: datetime, *, idle: timedelta, absolute: timedelta) -> bool:
        return now - self.seen_at >= idle or now - self.created_at >= absolute


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


_COLUMNS = (
    "session_key, csrf, created_at, seen_at, token_id, staff_id, name, roles, department, "
    "factor, language, timezone"
)


class SessionStore:
    """The session table in the ledger's own database."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self._datastore = datastore
        self.table = f'"{datastore.schema}".ledger_console_sessions'
        with datastore.transaction(commit=True) as c:
            serialise_schema_changes(c)
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} (session_key TEXT PRIMARY KEY, "
                "csrf TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, "
                "seen_at TIMESTAMPTZ NOT NULL, token_id TEXT, staff_id TEXT, name TEXT, "
                "roles TEXT, department TEXT, factor TEXT NOT NULL, language TEXT, "
                "timezone TEXT NOT NULL)"
            )

    def start(
        self,
        *,
        now: datetime,
        principal: Principal | None = None,
        factor: str = "none",
        language: str | None = None,
        timezone: str = "UTC",
    ) -> tuple[str, ConsoleSession]:
        """A new session and its id (for the cookie; only its hash is stored)."""
        session_id = secrets.token_urlsafe(32)
        session = ConsoleSession(
            key=_key(session_id),
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            seen_at=now,
            principal=principal,
            factor=factor,
            language=language,
            timezone=timezone,
        )
        p = principal
        with self._datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT INTO {self.table} ({_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    session.key,
                    session.csrf,
                    now,
                    now,
                    p.token_id if p else None,
                    p.staff_id if p else None,
                    p.name if p else None,
                    ",".join(p.roles) if p else None,
                    p.department if p else None,
                    factor,
                    language,
                    timezone,
                ),
            )
        return session_id, session

    def find(self, session_id: str) -> ConsoleSession | None:
        """The session this id opens, whatever its age; None for an unknown id."""
        if not 20 <= len(session_id) <= 64:
            return None
        with reading_cursor(self._datastore) as c:
            c.execute(
                f"SELECT {_COLUMNS} FROM {self.table} WHERE session_key = %s",
                (_key(session_id),),
            )
            row = c.fetchone()
        return None if row is None else _session(row)

    def touch(self, session: ConsoleSession, now: datetime) -> None:
        """The session was used now: its idle time starts again."""
        self._update(session, seen_at=now)

    def set(self, session: ConsoleSession, **values: str | None) -> None:
        """Change the session's factor state, language or time zone."""
        unknown = set(values) - {"factor", "language", "timezone"}
        if unknown:
            raise ValueError(f"not a session setting: {sorted(unknown)}")
        self._update(session, **values)

    def end(self, session: ConsoleSession) -> None:
        with self._datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {self.table} WHERE session_key = %s", (session.key,))

    def purge(self, *, idle_since: datetime, started_before: datetime) -> int:
        """Remove the sessions that have expired either way; how many."""
        with self._datastore.transaction(commit=True) as c:
            c.execute(
                f"DELETE FROM {self.table} WHERE seen_at <= %s OR created_at <= %s",
                (idle_since, started_before),
            )
            return int(c.rowcount)

    def _update(self, session: ConsoleSession, **values: Any) -> None:
        assignments = ", ".join(f"{name} = %s" for name in values)  # names fixed by the callers
        with self._datastore.transaction(commit=True) as c:
            c.execute(
                f"UPDATE {self.table} SET {assignments} WHERE session_key = %s",
                (*values.values(), session.key),
            )


def _session(row: dict[str, Any]) -> ConsoleSession:
    principal = (
        Principal(
            staff_id=row["staff_id"],
            name=row["name"],
            roles=tuple(row["roles"].split(",")),
            department=row["department"],
            token_id=row["token_id"],
        )
        if row["token_id"]
        else None
    )
    return ConsoleSession(
        key=row["session_key"],
        csrf=row["csrf"],
        created_at=row["created_at"],
        seen_at=row["seen_at"],
        principal=principal,
        factor=row["factor"],
        language=row["language"],
        timezone=row["timezone"],
    )
