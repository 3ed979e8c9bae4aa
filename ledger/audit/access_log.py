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
        found, _ = self.page(
            subject_id=subject_id, staff_id=staff_id, since=since, until=until, limit=limit
        )
        return found

    def page(
        self,
        *,
        subject_id: UUID | None = None,
        staff_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        after: tuple[int, int] | None = None,
    ) -> tuple[list[Access], tuple[int, int] | None]:
        """Up to `limit` reveals, newest first, after the position `after`; and the position
        of the last one when more follow.

        A position is (the audit-log row's seq, the reveal's index in the row): one row (one
        request) may reveal several people's data, and a page may end between them.
        """
        like: list[tuple[str, Any]] = [("reveals <> %s", "")]
        if subject_id is not None:
            like.append(("reveals LIKE %s", f'%"{subject_id}"%'))
        if staff_id is not None:
            like.append(("reveals LIKE %s", f"%{json.dumps(staff_id)}%"))
        found: list[tuple[int, int, Access]] = []
        before = None if after is None else after[0] + 1  # the cursor's row, for its rest
        while len(found) <= limit:  # one more than the page says whether more follow
            rows = self.log.query(before=before, limit=_PAGE, where=like)
            for row in rows:
                for index, access in enumerate(_accesses(row.reveals)):
                    if after is not None and row.seq == after[0] and index <= after[1]:
                        continue
                    if (
                        (subject_id is None or access.subject_id == subject_id)
                        and (staff_id is None or access.staff_id == staff_id)
                        and (since is None or access.at >= since)
                        and (until is None or access.at < until)
                    ):
                        found.append((row.seq, index, access))
            if len(rows) < _PAGE:
                break
            before = rows[-1].seq
        shown = found[:limit]
        last = (shown[-1][0], shown[-1][1]) if len(found) > limit and shown else None
        return [access for _, _, access in shown], last


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
