"""The staff directory: who works here, where, at which level, whom they report to, their e-mail.

A side table beside the event store, managed by administrators. Staff names and e-mail
addresses are the staff member's own personal data, not customer data: they live only here,
where an entry is changed or removed outright when someone moves or leaves (no event stream
carries them, so nothing needs shredding). Notices name recipients by staff id; the e-mail
address is looked up at the moment of sending. Changes are recorded in the audit log like every
request.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eventsourcing.postgres import PostgresDatastore

from ledger.errors import DomainError
from ledger.values import ROLES
from privacy.db.schema_lock import serialise_schema_changes
from privacy.db.single_reads import reading_cursor


@dataclass(frozen=True)
class StaffMember:
    """One entry of the directory."""

    staff_id: str
    display_name: str
    email: str
    department: str | None
    level: str  # one of the roles (ledger.values.ROLES)
    reports_to: str | None = None


_COLUMNS = "staff_id, display_name, email, department, level, reports_to"


class StaffDirectory:
    """The directory table in the ledger's own database."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self._datastore = datastore
        self.table = f'"{datastore.schema}".ledger_staff_directory'
        with datastore.transaction(commit=True) as c:
            serialise_schema_changes(c)
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} (staff_id TEXT PRIMARY KEY, "
                "display_name TEXT NOT NULL, email TEXT NOT NULL, department TEXT, "
                "level TEXT NOT NULL, reports_to TEXT)"
            )

    def put(self, member: StaffMember) -> StaffMember:
        """Add or replace an entry; the reporting line must name someone in the directory."""
        if member.level not in ROLES:
            raise DomainError(f"unknown level; expected one of {ROLES}", field="level")
        if member.reports_to == member.staff_id:
            raise DomainError("nobody reports to themselves", field="reports_to")
        if member.reports_to is not None and self.get(member.reports_to) is None:
            raise DomainError("reports_to names nobody in the directory", field="reports_to")
        with self._datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT INTO {self.table} ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (staff_id) DO UPDATE SET display_name = excluded.display_name, "
                "email = excluded.email, department = excluded.department, "
                "level = excluded.level, reports_to = excluded.reports_to",
                (
                    member.staff_id,
                    member.display_name,
                    member.email,
                    member.department,
                    member.level,
                    member.reports_to,
                ),
            )
        return member

    def remove(self, staff_id: str) -> bool:
        with self._datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {self.table} WHERE staff_id = %s", (staff_id,))
            return bool(c.rowcount)

    def get(self, staff_id: str) -> StaffMember | None:
        found = self._select("WHERE staff_id = %s", (staff_id,))
        return found[0] if found else None

    def all(self) -> list[StaffMember]:
        return self._select("ORDER BY staff_id", ())

    def vouches_for(self, staff_id: str) -> bool:
        """Whether `staff_id` may be named as a person: it is in the directory, or the directory
        is still empty (a fresh install, or one that keeps no directory, names anyone)."""
        with reading_cursor(self._datastore) as c:
            c.execute(
                f"SELECT EXISTS (SELECT 1 FROM {self.table} WHERE staff_id = %s) "
                f"OR NOT EXISTS (SELECT 1 FROM {self.table}) AS vouched",
                (staff_id,),
            )
            row = c.fetchone()
            return bool(row and row["vouched"])

    def display_names(self, staff_ids: Iterable[str]) -> dict[str, str]:
        """The display name of each of `staff_ids` that the directory knows."""
        wanted = sorted(set(staff_ids))
        if not wanted:
            return {}
        with reading_cursor(self._datastore) as c:
            c.execute(
                f"SELECT staff_id, display_name FROM {self.table} WHERE staff_id = ANY(%s)",
                (wanted,),
            )
            return {row["staff_id"]: row["display_name"] for row in c.fetchall()}

    def at_level(self, level: str, department: str | None) -> list[StaffMember]:
        """Staff of `level` in `department` (any department when None)."""
        if department is None:
            return self._select("WHERE level = %s ORDER BY staff_id", (level,))
        return self._select(
            "WHERE level = %s AND department = %s ORDER BY staff_id", (level, department)
        )

    def in_department(self, department: str) -> list[StaffMember]:
        return self._select("WHERE department = %s ORDER BY staff_id", (department,))

    def _select(self, where: str, params: tuple[Any, ...]) -> list[StaffMember]:
        with reading_cursor(self._datastore) as c:
            c.execute(f"SELECT {_COLUMNS} FROM {self.table} {where}", params)
            return [StaffMember(**row) for row in c.fetchall()]
