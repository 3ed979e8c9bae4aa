"""Who saw whose personal data: the reveals recorded in the audit log, read back.

There is one audit log (ledger/audit/operation_log.py): a request's reveals are part of its
chained row (its `reveals` column, under the row's hash), and a reveal made outside a request
(a CLI export, say) is a chained row of its own. This class records the latter and reads both
back as the access log; purging is the audit log's (183 days at least, one floor for both).
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore

from ledger.audit.operation_log import Operation, OperationLog
from ledger.audit.purges import Purge
from ledger.audit.records import Access

__all__ = ["REVEAL", "Access", "AccessLog"]

REVEAL: Final = "personal-data.reveal"
_PAGE: Final = 500


class AccessLog:
    """The access log: the audit log's reveals."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self.log = OperationLog(datastore)

    def record(self, accesses: Sequence[Access]) -> None:
        """Chain a row recording these reveals (made outside any logged request)."""
        if not accesses:
            return
        first = accesses[0]
        self.log.append(
            Operation(
                at=first.at,
                request_id="",
                staff_id=first.staff_id,
                role=first.role,
                operation=REVEAL,
                target=f"subject:{first.subject_id}",
                result="allowed",
                status=200,
            ),
            accesses,
        )

    def purges(self) -> list[Purge]:
        return self.log.purges()

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
        like: list[tuple[str, Any]] = [("reveals <> %s", "")]
        if subject_id is not None:
            like.append(("reveals LIKE %s", f'%"{subject_id}"%'))
        if staff_id is not None:
            like.append(("reveals LIKE %s", f"%{json.dumps(staff_id)}%"))
        found: list[Access] = []
        before: int | None = None
        while len(found) < limit:
            rows = self.log.query(before=before, limit=_PAGE, where=like)
            for row in rows:
                for access in _accesses(row.reveals):
                    if (
                        (subject_id is None or access.subject_id == subject_id)
                        and (staff_id is None or access.staff_id == staff_id)
                        and (since is None or access.at >= since)
                        and (until is None or access.at < until)
                    ):
                        found.append(access)
            if len(rows) < _PAGE:
                break
            before = rows[-1].seq
        return found[:limit]


def _accesses(reveals: str) -> list[Access]:
    return [
        Access(
            at=datetime.fromisoformat(at).astimezone(UTC),
            staff_id=staff,
            role=role,
            subject_id=UUID(subject),
            fields=tuple(fields),
            purpose=purpose,
        )
        for at, staff, role, subject, fields, purpose in json.loads(reveals)
    ]
