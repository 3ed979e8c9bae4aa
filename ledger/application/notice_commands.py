"""The application's commands on notices: raise one, record a delivery attempt, replay.

A mixin that `LedgerApplication` inherits. The notifier (projections/notifications/) is the only
caller of the first two; an administrator replays.
"""

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.errors import ConcurrencyError
from ledger.notifications.notice import Notice, notice_id_for
from ledger.values import Actor

A = TypeVar("A", bound=Aggregate)


class NoticeCommands:
    """Raise notices and record what became of each notification."""

    if TYPE_CHECKING:  # provided by LedgerApplication

        def _saving(self, *aggregates: Aggregate) -> AbstractContextManager[None]: ...
        def _get(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A: ...
        def _now(self) -> datetime: ...
        def save(self, *objs: Any, **kwargs: Any) -> Any: ...

    def raise_notice(
        self,
        *,
        source: str,
        rule: str,
        recipients: list[str],
        nobody: list[str] | None = None,
        **fields: Any,
    ) -> Notice:
        """Raise the notice `rule` makes of `source`, once: a second call returns the first."""
        notice = Notice(
            source=source,
            rule=rule,
            recipients=sorted(set(recipients)),
            nobody=list(nobody or []),
            timestamp=self._now(),
            **fields,
        )
        try:
            self.save(notice)
        except ConcurrencyError:  # raised before (a retry after a crash): the first one stands
            return self.get_notice(notice_id_for(source, rule))
        return notice

    def get_notice(self, notice_id: UUID, *, version: int | None = None) -> Notice:
        return self._get(Notice, notice_id, version)

    def record_delivery(
        self,
        notice_id: UUID,
        *,
        recipient: str,
        attempt: int,
        status: int,
        answer: str,
        delivered: bool,
        retry_at: datetime | None,
    ) -> Notice:
        """Record one attempt's outcome (the receiver's status and answer) on the notice."""
        for _ in range(3):
            notice = self.get_notice(notice_id)
            notice.record_attempt(
                recipient=recipient,
                attempt=attempt,
                status=status,
                answer=answer,
                delivered=delivered,
                retry_at=retry_at,
                at=self._now(),
            )
            try:
                self.save(notice)
            except ConcurrencyError:
                continue  # an administrator replayed another recipient meanwhile
            return notice
        raise ConcurrencyError("could not record the delivery attempt; try again")

    def replay_notification(self, notice_id: UUID, *, recipient: str, actor: Actor) -> Notice:
        """Queue a failed or dead-lettered notification for another attempt (same id)."""
        notice = self.get_notice(notice_id)
        with self._saving(notice):
            notice.replay(recipient=recipient, actor=actor, at=self._now())
        return notice
