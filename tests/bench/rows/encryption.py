"""Per-append and per-read cost of encrypting personal fields vs the same fields in the clear."""

import base64
import time
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Transcoding

from ledger.application.scope import RequestScope
from ledger.application.service import LedgerApplication
from ledger.application.transcodings import ActorAsDict, CustomerAsDict
from ledger.cases.complaint import Complaint
from ledger.store.settings import settings_for_url
from ledger.values import Actor
from privacy.fields import Personal
from privacy.keys.master_key import MasterKeyring, key_id_for
from tests.bench.context import BenchContext
from tests.bench.database import fresh_schema, url_for
from tests.bench.harness import Figure, alternate, ratio_figure, timed
from tests.bench.server import BENCH_MASTER_KEY

AGENT = Actor("bench-agent", "agent", "service")


class PersonalInClear(Transcoding):
    """The comparison's only difference: a personal value stored as its plaintext."""

    type = Personal
    name = "personal"

    def encode(self, obj: Personal) -> dict[str, str]:
        return {"s": str(obj.subject_id), "p": obj.plaintext or ""}

    def decode(self, data: dict[str, str]) -> Personal:
        return Personal(subject_id=UUID(data["s"]), plaintext=data["p"])


class ClearTextLedger(LedgerApplication):
    """The ledger with personal fields in the clear: for this comparison only, never served."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        Application.register_transcodings(self, transcoder)
        for transcoding in (ActorAsDict(), CustomerAsDict(), PersonalInClear()):
            transcoder.register(transcoding)


def bench_keyring() -> MasterKeyring:
    key = base64.b64decode(BENCH_MASTER_KEY)
    return MasterKeyring(current_id=key_id_for(key), keys={key_id_for(key): key}, source="bench")


def _personal_values(complaint: Complaint) -> list[Personal]:
    found: list[Personal] = []
    for value in (*vars(complaint).values(), *vars(complaint.customer).values()):
        if isinstance(value, Personal):
            found.append(value)
    return found


class Workload:
    """Register complaints and note progress on each (appends); read each back and reveal it."""

    def __init__(self, app: LedgerApplication, operations: int) -> None:
        self.app = app
        self.operations = operations
        self.ids: list[UUID] = []

    def append(self) -> float:
        """Milliseconds per appended event (each operation appends two)."""
        self.ids = []

        def work() -> None:
            for n in range(self.operations):
                complaint = self.app.register_complaint(
                    channel="phone",
                    customer_name="Bench Customer",
                    customer_phone="13800000000",
                    customer_email="bench@example.com",
                    summary="Parcel arrived broken",
                    description="Crushed box; the customer wants a replacement",
                    actor=AGENT,
                )
                self.app.note_progress(complaint.id, note=f"Called the courier ({n})", actor=AGENT)
                self.ids.append(complaint.id)

        return 1000 * timed(work) / (2 * self.operations)

    def read_one(self, complaint_id: UUID) -> float:
        """Seconds to read one complaint back and reveal every personal field."""
        started = time.perf_counter()
        # One response's memo, passed in the request's scope as the API passes it.
        scope = RequestScope()
        complaint = self.app.for_request(scope).get_complaint(complaint_id)
        for value in _personal_values(complaint):
            self.app.keys.reveal(value, scope.keys)
        return time.perf_counter() - started


def interleaved_reads(
    rounds: int, plain: Workload, encrypted: Workload
) -> list[tuple[float, float]]:
    """Milliseconds per read (clear, sealed) per round, the two read in turns, one by one.

    A phase of a few hundred reads lasts a tenth of a second, so a burst of other work on the
    machine landed on one side only; taking turns read by read (A B, B A, ...) spreads it.
    """
    results = []
    for r in range(rounds):
        spent = [0.0, 0.0]
        for n, pair in enumerate(zip(plain.ids, encrypted.ids, strict=True)):
            sides = (
                ((0, plain), (1, encrypted)) if (n + r) % 2 == 0 else ((1, encrypted), (0, plain))
            )
            for side, workload in sides:
                spent[side] += workload.read_one(pair[side])
        results.append((1000 * spent[0] / len(plain.ids), 1000 * spent[1] / len(encrypted.ids)))
    return results


def measure(ctx: BenchContext) -> list[Figure]:
    scale = ctx.scale
    with fresh_schema() as clear_schema, fresh_schema() as sealed_schema:
        clear = ClearTextLedger(settings_for_url(url_for(clear_schema)), keyring=bench_keyring())
        sealed = LedgerApplication(
            settings_for_url(url_for(sealed_schema)), keyring=bench_keyring()
        )
        try:
            plain, encrypted = Workload(clear, scale.operations), Workload(sealed, scale.operations)
            plain.append(), encrypted.append()  # warm-up

            def run(workload: Workload) -> float:
                return workload.append()

            appends = alternate(scale.rounds, lambda: run(plain), lambda: run(encrypted))
            interleaved_reads(1, plain, encrypted)  # warm-up
            reads = interleaved_reads(scale.rounds, plain, encrypted)
        finally:
            clear.close()
            sealed.close()
    return [
        ratio_figure(
            "encryption cost per append",
            appends,
            unit="ms/event",
            target="≤ 15 % (ratio ≤ 1.15)",
            passes=lambda ratio: ratio <= 1.15,
        ),
        ratio_figure(
            "encryption cost per read (reveal every field)",
            reads,
            unit="ms/read",
            target="≤ 15 % (ratio ≤ 1.15)",
            passes=lambda ratio: ratio <= 1.15,
        ),
    ]


__all__ = ["ClearTextLedger", "measure"]
