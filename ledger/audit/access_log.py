"""Who saw whose personal data: one row per reveal made on behalf of a user.

Insert-only: triggers refuse UPDATE and DELETE, like the event log, except the DELETE of rows a
recorded purge covers (ledger/audit/purges.py). The retention run purges the rows older than the
access log's retention (at least the six months the operating standards require).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore

from ledger.audit.purges import ACCESS_LOG, Purge, PurgeTable
from privacy.db.schema_lock import serialise_schema_changes

REFUSAL = "the access log is append-only"


@dataclass(frozen=True)
class Access:
    """One reveal of one subject's personal fields to one member of staff."""

    at: datetime
    staff_id: str
    role: str
    subject_id: UUID
    fields: tuple[str, ...]
    purpose: str  # the endpoint or command on whose behalf the data was revealed


class AccessLog:
    """The access log table, in the ledger's own database."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self._datastore = datastore
        schema = datastore.schema
        with self._cursor() as c:
            serialise_schema_changes(c)
            self._purges = PurgeTable(c, schema=schema)
        horizon = self._purges.horizon(ACCESS_LOG)
        self._table = f'"{schema}".ledger_access_log'
        statements = [
            f"CREATE TABLE IF NOT EXISTS {self._table} (id BIGSERIAL PRIMARY KEY, "
            "at TIMESTAMPTZ NOT NULL, staff_id TEXT NOT NULL, role TEXT NOT NULL, "
            "subject_id UUID NOT NULL, fields TEXT NOT NULL, purpose TEXT NOT NULL)",
            f'CREATE OR REPLACE FUNCTION "{schema}".ledger_access_log_refuse() '
            "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'DELETE' THEN IF OLD.id <= {horizon} THEN RETURN OLD; END IF; END IF; "
            f"RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege'; END $$",
            "CREATE OR REPLACE TRIGGER ledger_access_log_refuse BEFORE UPDATE OR DELETE ON "
            f"{self._table} FOR EACH ROW EXECUTE FUNCTION "
            f'"{schema}".ledger_access_log_refuse()',
            "CREATE OR REPLACE TRIGGER ledger_access_log_refuse_truncate BEFORE TRUNCATE ON "
            f"{self._table} FOR EACH STATEMENT EXECUTE FUNCTION "
            f'"{schema}".ledger_access_log_refuse()',
        ]
        with self._cursor() as c:
            serialise_schema_changes(c)
            for statement in statements:
                c.execute(statement)

    @contextmanager
    def _cursor(self, *, commit: bool = True) -> Iterator[Any]:
        with self._datastore.transaction(commit=commit) as cursor:
            yield cursor

    def record(self, accesses: Sequence[Access]) -> None:
        if not accesses:
            return
        with self._cursor() as c:
            self.insert(c, accesses)

    def insert(self, cursor: Any, accesses: Sequence[Access]) -> None:
        """Add `accesses` in the caller's transaction (the operation log writes a request's
        reveals in the same commit as its own row)."""
        if not accesses:
            return
        cursor.executemany(
            f"INSERT INTO {self._table} (at, staff_id, role, subject_id, fields, purpose) "
            f"VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (
                    a.at,
                    a.staff_id,
                    a.role,
                    str(a.subject_id),
                    ",".join(a.fields),
                    a.purpose,
                )
                for a in accesses
            ],
        )

    def purge(self, *, cutoff: datetime, policy: str, run_id: str, at: datetime) -> Purge | None:
        """Delete the oldest rows, those before the first one at or after `cutoff`, and record
        the purge in the same transaction; None when there is nothing to purge."""
        with self._cursor() as c:
            # In-flight inserts commit first: ids below the cut are final.
            c.execute(f"LOCK TABLE {self._table} IN EXCLUSIVE MODE")
            previous = self._purges.latest(c, ACCESS_LOG)
            after = previous.up_to if previous else 0
            c.execute(
                f"SELECT id FROM {self._table} WHERE id > %s AND at >= %s ORDER BY id LIMIT 1",
                (after, cutoff),
            )
            first_kept = c.fetchone()
            if first_kept is not None:
                up_to = int(first_kept["id"]) - 1
            else:
                c.execute(f"SELECT MAX(id) AS id FROM {self._table}")
                up_to = int(c.fetchone()["id"] or 0)
            c.execute(
                f"SELECT COUNT(*) AS n FROM {self._table} WHERE id > %s AND id <= %s",
                (after, up_to),
            )
            count = int(c.fetchone()["n"])
            if count == 0:
                return None
            purge = Purge(
                ACCESS_LOG,
                after,
                up_to,
                count,
                "",
                cutoff.isoformat(),
                policy,
                run_id,
                at.isoformat(),
            )
            self._purges.record(c, purge)
            c.execute(f"DELETE FROM {self._table} WHERE id > %s AND id <= %s", (after, up_to))
        return purge

    def purges(self) -> list[Purge]:
        with self._cursor(commit=False) as c:
            return self._purges.all(c, ACCESS_LOG)

    def query(
        self,
        *,
        subject_id: UUID | None = None,
        staff_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[Access]:
        """Newest first: who saw whose data, when, and through what."""
        where: list[str] = ["1 = 1"]
        params: list[Any] = []
        if subject_id is not None:
            where.append("subject_id = %s")
            params.append(str(subject_id))
        if staff_id is not None:
            where.append("staff_id = %s")
            params.append(staff_id)
        if since is not None:
            where.append("at >= %s")
            params.append(since)
        if until is not None:
            where.append("at < %s")
            params.append(until)
        with self._cursor(commit=False) as c:
            c.execute(
                f"SELECT at, staff_id, role, subject_id, fields, purpose FROM {self._table} "
                f"WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT %s",
                (*params, limit),
            )
            rows = c.fetchall()
        return [
            Access(
                at=r["at"],
                staff_id=r["staff_id"],
                role=r["role"],
                subject_id=UUID(str(r["subject_id"])),
                fields=tuple(r["fields"].split(",")) if r["fields"] else (),
                purpose=r["purpose"],
            )
            for r in rows
        ]
