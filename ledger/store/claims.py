"""Idempotency claims: who holds a key, whether the holder still lives, and the completion.

A request that claims an `Idempotency-Key` gets a random `token`; its record is completed
(status and the `kind:id:version` it answers) by an UPDATE that names that token, inside the
same transaction as its events (`ledger.store.recorders`). If the UPDATE finds no row the claim
was taken over, the transaction is rolled back and the save fails with `ClaimLostError`: the
token is a fencing token, so two requests can never both store events for one key, whatever
the clocks say.

A claim still in progress may be taken over (docs/reliability.md, "Exactly once"):
- at once when its holder is known dead: a process on this host that no longer runs (pid and
  start time from /proc, so a reused pid is not mistaken for the holder), or this very process
  when no request of it holds the claim any more;
- otherwise after the lease, which outlasts any request that can still commit.
"""

import os
import secrets
import socket
import threading
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from eventsourcing.domain import Aggregate


@dataclass(frozen=True)
class Completion:
    """What a claimed key answers once the save that carries it commits."""

    scope: str
    key: str
    token: str
    status: int
    result: str


@dataclass(frozen=True)
class Claim:
    """A key held by the running request, and what a save under it answers.

    `presents` is the aggregate class the endpoint answers with and `kind` its resource name;
    a save of an instance of that class completes the claim with `kind:id:version`.
    """

    scope: str
    key: str
    token: str
    status: int
    kind: str | None = None
    presents: type[Aggregate] | None = None

    def completion_for(self, *objs: object) -> Completion | None:
        """The completion a save of `objs` carries, if it saves what the endpoint answers."""
        if self.presents is None or self.kind is None:
            return None
        for obj in objs:
            if isinstance(obj, self.presents):
                result = f"{self.kind}:{obj.id}:{obj.version}"
                return Completion(self.scope, self.key, self.token, self.status, result)
        return None


current_claim: ContextVar[Claim | None] = ContextVar("current_claim", default=None)


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    return stat.rsplit(")", 1)[1].split()[19]


class ClaimHolders:
    """This process's identity as a claim holder, and which of its claims are live."""

    def __init__(self) -> None:
        self.instance = secrets.token_hex(8)
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.owner = f"{self.host}|{self.pid}|{_start_ticks(self.pid) or '-'}|{self.instance}"
        self._live: set[str] = set()
        self._lock = threading.Lock()

    def new_token(self) -> str:
        token = secrets.token_hex(16)
        with self._lock:
            self._live.add(token)
        return token

    def finished(self, token: str) -> None:
        with self._lock:
            self._live.discard(token)

    def holder_is_dead(self, owner: str, token: str) -> bool:
        """True only when the holder of `token` certainly cannot commit any more."""
        try:
            host, pid, ticks, instance = owner.split("|")
        except ValueError:
            return False
        if instance == self.instance:
            with self._lock:
                return token not in self._live
        if host != self.host or ticks == "-" or not Path("/proc/self/stat").exists():
            return False
        return _start_ticks(int(pid)) != ticks
