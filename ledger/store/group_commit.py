"""Group commit: the writes of concurrent requests coalesced into one write transaction.

The library's PostgreSQL recorder takes an exclusive lock on the events table in every write
transaction, so that notification ids commit in the order they were issued and a projection
tailing the log never skips an event; the operation log likewise locks its table to extend its
hash chain. Such a lock serialises writers: the store's rate is one commit at a time, whatever
the number of request threads. Group commit keeps the lock and takes it once per batch instead
of once per write. It is the one mechanism both use (`ledger.store.recorders` for saves,
`ledger.audit.operation_log` for operation rows):

    request threads       queue             leader (whichever waiting thread is free first)
    save(a)  ─┐
    save(b, c)┼──▶  [a] [b c] [d]  ──▶  commit([a], [b c], [d])   one transaction
    save(d)  ─┘                          one result back to each member, in queue order

- Nothing waits on a timer: a batch is whatever queued while the previous one was committing,
  so a lone writer commits at once and a busy store commits many writes per lock.
- Each member stays atomic (it is never split across transactions), and the batch goes through
  the writer's normal path, so triggers, the notification channel and hash chains see the rows
  exactly as without group commit.
- Conflicts stay with their owner: two members with a key in common (say, the same stream
  version) never share a batch, and if a batch is refused (a version already stored), every
  member is committed again on its own, so the one at fault gets its error and its neighbours
  succeed. A writer that can tell which member was at fault (an Idempotency-Key or a reference
  number taken) returns `Refused(error)` as that member's result instead, and the batch commits
  without it.
- Connection-level failures (`OperationalError`, `InterfaceError`) are not a member's fault and
  are reported to every member of the batch, after the writer's own retries.
"""

import threading
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

from eventsourcing.persistence import InterfaceError, OperationalError

Item = TypeVar("Item")
Result = TypeVar("Result")

MAX_BATCH_SIZE = 1_000


def _no_keys(_: object) -> set[Hashable]:
    return set()


def _one(_: object) -> int:
    return 1


class Refused:
    """A member's result saying the writer left it out of the batch, and why (its error)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Member(Generic[Item, Result]):
    """One write waiting in the queue, and then its outcome."""

    __slots__ = ("done", "error", "item", "keys", "result", "size")

    def __init__(self, item: Item, keys: set[Hashable], size: int) -> None:
        self.item = item
        self.keys = keys
        self.size = size
        self.done = False
        self.result: Result | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[Item, Result]):
    """Coalesces concurrent writes into as few transactions as it can.

    `commit` writes a batch of items in one transaction and returns one result per item (or
    `Refused(error)` for an item it left out, whose submitter then gets `error`); `keys` says
    what an item writes that no other item of its batch may write too, and `size` how much of
    the batch limit it takes.
    """

    def __init__(
        self,
        commit: Callable[[Sequence[Item]], Sequence["Result | Refused"]],
        *,
        keys: Callable[[Item], set[Hashable]] = _no_keys,
        size: Callable[[Item], int] = _one,
        max_batch_size: int = MAX_BATCH_SIZE,
    ) -> None:
        self._commit = commit
        self._keys = keys
        self._size = size
        self._max = max_batch_size
        self._queue: deque[_Member[Item, Result]] = deque()
        self._changed = threading.Condition()
        self._leading = False
        self.transactions = 0  # batches committed (for the bench and the tests' curiosity)

    @property
    def waiting(self) -> int:
        """Writes queued and not yet taken into a batch."""
        with self._changed:
            return len(self._queue)

    def submit(self, item: Item, queued: Callable[[], None] | None = None) -> Result:
        """Write `item` atomically, together with whatever else is queued; its result.

        `queued` is called once the item is in the queue: what is queued after it is committed
        in the same transaction or a later one, never an earlier one.
        """
        member: _Member[Item, Result] = _Member(item, self._keys(item), self._size(item))
        with self._changed:
            self._queue.append(member)
        if queued is not None:
            queued()
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
        return member.result  # type: ignore[return-value]  # set whenever done without error

    def _take_batch(self) -> list[_Member[Item, Result]]:
        """Members in queue order, up to the size limit, none writing a key another one writes."""
        batch: list[_Member[Item, Result]] = []
        taken: set[Hashable] = set()
        size = 0
        kept: deque[_Member[Item, Result]] = deque()
        while self._queue:
            member = self._queue.popleft()
            full = batch and size + member.size > self._max
            if full or member.keys & taken:
                kept.append(member)
                if full:
                    break
                continue
            batch.append(member)
            taken |= member.keys
            size += member.size
        kept.extend(self._queue)
        self._queue = kept
        return batch

    def _run(self, batch: list[_Member[Item, Result]]) -> None:
        if len(batch) == 1:
            self._run_alone(batch[0])
            return
        try:
            results = self._commit([m.item for m in batch])
        except (OperationalError, InterfaceError) as error:
            for member in batch:
                member.error = error
                member.done = True
            return
        except Exception:
            # Someone's write was refused: commit each member alone, so only it fails.
            for member in batch:
                self._run_alone(member)
            return
        self.transactions += 1
        for member, result in zip(batch, results, strict=True):
            _settle(member, result)

    def _run_alone(self, member: _Member[Item, Result]) -> None:
        try:
            result = self._commit([member.item])[0]
            if not isinstance(result, Refused):  # a refused member alone committed nothing
                self.transactions += 1
        except Exception as error:
            member.error = error
            member.done = True
            return
        _settle(member, result)


def _settle(member: _Member[Item, Result], result: "Result | Refused") -> None:
    if isinstance(result, Refused):
        member.error = result.error
    else:
        member.result = result
    member.done = True
