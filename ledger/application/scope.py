"""What one request carries into the application: passed to it, never set aside in ambient state.

The HTTP layer (or a CLI command) makes a `RequestScope` and works on
`LedgerApplication.for_request(scope)`, a view of the one application that reads and writes with
that scope:

- `keys`: the response's memo of data keys. A stream read for the request brings the rows of
  its people's data keys in the same statement as its events, into this memo, and revealing
  reads from it; it ends with the request, so an erasure shows on the next one.
- `loaded`: records the request has already loaded (to decide whether the caller may act on
  them); the command's first load of one takes it as it is instead of replaying its stream
  again, each once, and a conflicting write in between is still refused when it saves.
- `idempotency`: the request's `Idempotency-Key`, recorded by its first save in the events' own
  transaction (`ledger.store.idempotency`).
- `held`: a request that answers in one commit (`hold_saves()`) keeps its saves here until its
  answer is ready; `LedgerApplication.commit_held` then writes them with the request's audit-log
  row in one transaction, so a write waits on one commit, not two.
"""

from dataclasses import dataclass, field
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.store.idempotency import IdempotencyKey
from privacy.keys.keystore import KeyMemo


@dataclass
class RequestScope:
    """One request's data-key memo, the records it loaded, and its idempotency key."""

    keys: KeyMemo = field(default_factory=dict)
    loaded: dict[UUID, Aggregate] = field(default_factory=dict)
    idempotency: IdempotencyKey | None = None
    holding: bool = False
    held: list[Aggregate] = field(default_factory=list)

    def hold_saves(self) -> None:
        """Keep this request's plain saves until its answer is ready (`commit_held`)."""
        self.holding = True

    def hold(self, aggregates: tuple[Aggregate, ...]) -> None:
        """Keep `aggregates`, each once, for the request's one commit."""
        self.held.extend(a for a in aggregates if all(a is not b for b in self.held))

    def take_held(self) -> list[Aggregate]:
        """The saves kept so far, once; later saves of the request go straight to the store."""
        held, self.held, self.holding = self.held, [], False
        return held

    def reuse(self, aggregates: list[Aggregate]) -> None:
        """Let the command take these loaded records as they are."""
        self.loaded.update((aggregate.id, aggregate) for aggregate in aggregates)

    def take(self, aggregate_id: UUID, cls: type) -> Aggregate | None:
        """A loaded record of type `cls`, once."""
        found = self.loaded.get(aggregate_id)
        if isinstance(found, cls):
            del self.loaded[aggregate_id]
            return found
        return None
