"""Group commit: the saves of concurrent requests coalesced into one write transaction.

The library's PostgreSQL recorder takes an exclusive lock on the events table in every write
transaction, so that notification ids commit in the order they were issued and a projection
tailing the log never skips an event. That lock serialises writers: the store's rate is one
commit at a time, whatever the number of request threads. Group commit keeps the lock and takes
it once per batch instead of once per save:

    request threads       queue             leader (whichever waiting thread is free first)
    save(a)  ─┐
    save(b, c)┼──▶  [a] [b c] [d]  ──▶  recorder.insert_events(a + b c + d)   one transaction
    save(d)  ─┘                          ids split back to each save, in queue order

- Nothing waits on a timer: a batch is whatever queued while the previous one was committing,
  so a lone writer commits at once and a busy store commits many saves per lock.
- Each save stays atomic (its events are one member, never split across transactions), and the
  batch goes through the recorder's normal `insert_events`, so triggers, the notification
  channel and any per-row hash chain see the rows exactly as without group commit.
- Conflicts stay with their owner: two saves in the queue that write the same stream version
  never share a batch (the later one waits for the next), and if the batch's insert is refused
  (say, a version already stored), every member is committed again on its own, so the one that
  conflicts gets its `IntegrityError` and its neighbours succeed.
- Each save's idempotency completions (`ledger.store.claims`) ride in the batch with its
  events; a completion whose claim was lost fails the batch like a conflict, so only its
  owner fails when the members are committed again on their own.
- Connection-level failures (`OperationalError`, `InterfaceError`) are not a member's fault and
  are reported to every member of the batch, after the recorder's own retries.
"""

import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent

from ledger.store.claims import Completion

Commit = Callable[[Sequence[StoredEvent], Sequence[Completion]], Sequence[int] | None]

MAX_BATCH_EVENTS = 1_000


class _Member:
    """One save waiting in the queue, and then its outcome."""

    __slots__ = ("completions", "done", "error", "events", "ids")

    def __init__(self, events: Sequence[StoredEvent], completions: Sequence[Completion]) -> None:
        self.events = events
        self.completions = completions
        self.done = False
        self.ids: Sequence[int] | None = None
        self.error: BaseException | None = None

    def keys(self) -> set[tuple[Any, int]]:
        return {(e.originator_id, e.originator_version) for e in self.events}


class GroupCommit:
    """Coalesces concurrent `insert_events` calls into as few transactions as it can."""

    def __init__(self, commit: Commit, *, max_batch_events: int = MAX_BATCH_EVENTS) -> None:
        self._commit = commit
        self._max = max_batch_events
        self._queue: deque[_Member] = deque()
        self._changed = threading.Condition()
        self._leading = False
        self.transactions = 0  # batches committed (for the bench and the tests' curiosity)

    @property
    def waiting(self) -> int:
        """Saves queued and not yet taken into a batch."""
        with self._changed:
            return len(self._queue)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], completions: Sequence[Completion] = ()
    ) -> Sequence[int] | None:
        """Store the events atomically, together with whatever else is queued; their ids.

        `completions` (idempotency claims) commit in the same transaction as these events.
        """
        member = _Member(stored_events, completions)
        with self._changed:
            self._queue.append(member)
        while True:
            with self._changed:
                while self._leading and not member.done:
                    self._changed.wait()
                if member.done:
                    break
                self._leading = True
                batch = self._take_batch()
            try:
                self._run(batch)
            finally:
                with self._changed:
                    for unfinished in (m for m in batch if not m.done):
                        unfinished.error = RuntimeError("the group commit was interrupted")
                        unfinished.done = True
                    self._leading = False
                    self._changed.notify_all()
        if member.error is not None:
            raise member.error
        return member.ids

    def _take_batch(self) -> list[_Member]:
        """Members in queue order, up to the size limit, none writing a key another one writes."""
        batch: list[_Member] = []
        taken: set[tuple[Any, int]] = set()
        size = 0
        kept: deque[_Member] = deque()
        while self._queue:
            member = self._queue.popleft()
            keys = member.keys()
            full = batch and size + len(member.events) > self._max
            if full or keys & taken:
                kept.append(member)
                if full:
                    break
                continue
            batch.append(member)
            taken |= keys
            size += len(member.events)
        kept.extend(self._queue)
        self._queue = kept
        return batch

    def _run(self, batch: list[_Member]) -> None:
        if len(batch) == 1:
            self._run_alone(batch[0])
            return
        try:
            ids = self._commit(
                [e for m in batch for e in m.events], [c for m in batch for c in m.completions]
            )
        except (OperationalError, InterfaceError) as error:
            for member in batch:
                member.error = error
                member.done = True
            return
        except Exception:
            # Someone's events were refused: commit each member alone, so only it fails.
            for member in batch:
                self._run_alone(member)
            return
        self.transactions += 1
        start = 0
        for member in batch:
            end = start + len(member.events)
            member.ids = None if ids is None else list(ids[start:end])
            member.done = True
            start = end

    def _run_alone(self, member: _Member) -> None:
        try:
            member.ids = self._commit(member.events, member.completions)
            self.transactions += 1
        except Exception as error:
            member.error = error
        member.done = True
