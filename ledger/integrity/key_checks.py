"""`ledger verify`'s check of the data keys against the ledger's record of erasures.

A data-key row is a side table, outside the chained and signed events, so the ledger is the
authority on whether it should exist: a person whose erasure (or destruction under retention)
is an event must have no key, and a person with no such event must still have theirs.

- a key present for an erased person: the row was restored (say, from a backup taken before
  the erasure); the service opens nothing with it and destroys it again on its first read, but
  the restore is reported here;
- a key destroyed for a person never erased: personal data was destroyed with no record of
  why (a row nulled by hand);
- an erased person with no key row at all: the row of their erasure was deleted.

A live row copied from another person, or edited, fails to open (its wrapping is bound to the
person and the key id) and reads as `[tampered]`.
"""

import hashlib
from collections.abc import Callable
from typing import Final
from uuid import NAMESPACE_URL, UUID

from ledger.integrity.breaks import ALTERED, MISSING, Break, Report
from ledger.integrity.checkpoints import Checkpoint
from ledger.integrity.persons_seen import PersonsSeen
from ledger.integrity.tables import IntegrityTables
from ledger.subjects.subject import DataSubject, data_subject_id_for
from ledger.topics import topics_of
from privacy.crypto import TamperedError
from privacy.keys.master_key import MasterKeyError, MasterKeyring
from privacy.keys.wrapping import unwrap

PAGE = 10_000
TABLE: Final = "ledger_subject_keys"


def erasure_topics() -> list[str]:
    """The topics of the events that record a person's erasure."""
    return [
        *topics_of(DataSubject.Erased),  # type: ignore[attr-defined]  # made by @event
        *topics_of(DataSubject.DestroyedUnderRetention),  # type: ignore[attr-defined]
    ]


def _record_of(subject: str) -> bytes:
    """`data_subject_id_for(UUID(subject)).bytes`, without building a UUID: run per key row."""
    digest = bytearray(
        hashlib.sha1(  # noqa: S324  # uuid5 is SHA-1 by definition, not a security hash here
            NAMESPACE_URL.bytes + f"/subjects/{UUID(subject)}".encode()
        ).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return bytes(digest)


def check_subject_keys(
    tables: IntegrityTables, report: Report, seen: PersonsSeen | None = None
) -> None:
    """Add a break for every key row that disagrees with the ledger's erasures.

    `seen`: the persons the event pass noted (the events after it are read here, the same way);
    without it, every event is read here.
    """
    keys = tables.events.rsplit(".", 1)[0] + f".{TABLE}"
    if tables._read("SELECT to_regclass(%s)", (keys,))[0][0] is None:
        return  # no key store in this database
    seen = seen or PersonsSeen(erasure_topics())
    # The events appended since the pass (all of them without one), read as it read them.
    after_id = -(2**62) if seen.through is None else seen.through
    while events := tables.events_after(after_id, limit=PAGE):
        seen.note(events)
        after_id = events[-1][0]
    erased = seen.erased
    named = {str(UUID(subject)) for subject in seen.named}
    seen_records: set[bytes] = set()
    after = ""
    while rows := tables._read(
        f"SELECT subject_id, wrapped IS NOT NULL FROM {keys} WHERE subject_id > %s "  # noqa: S608
        "ORDER BY subject_id LIMIT %s",
        (after, PAGE),
    ):
        for subject, alive in rows:
            record = _record_of(subject)
            seen_records.add(record)
            if alive and record in erased:
                report.breaks.append(
                    Break(
                        ALTERED,
                        f"the data key of subject {subject} is present, but the ledger records "
                        "their erasure: the key row was restored (it opens nothing)",
                        stream_id=UUID(bytes=record),
                    )
                )
            elif not alive and record not in erased:
                report.breaks.append(
                    Break(
                        MISSING,
                        f"the data key of subject {subject} was destroyed, but the ledger records "
                        "no erasure of theirs",
                        stream_id=UUID(bytes=record),
                        table=TABLE,
                        row=subject,
                    )
                )
        after = rows[-1][0]
    record_of = {subject: _record_of(subject) for subject in named}
    for subject in sorted(named):
        record = record_of[subject]
        if record not in seen_records and record not in erased:
            report.breaks.append(
                Break(
                    MISSING,
                    f"the data key of subject {subject} is gone, but the ledger holds their data "
                    "and records no erasure of theirs (the row was deleted)",
                    stream_id=UUID(bytes=record),
                    table=TABLE,
                    row=subject,
                )
            )
    subject_of = {record: subject for subject, record in record_of.items()}
    for record in sorted(erased - seen_records):
        report.breaks.append(
            Break(
                MISSING,
                "the key row of an erased person was deleted",
                stream_id=UUID(bytes=record),
                table=TABLE,
                row=subject_of.get(record, str(UUID(bytes=record))),
            )
        )


def opening_check(
    tables: IntegrityTables, keyring: MasterKeyring
) -> Callable[[Report, list[Checkpoint]], None]:
    """Every live key row must open under the master key, bound to its subject and key id: a
    row edited, or copied or swapped from another person, does not (`[tampered]` on read)."""
    keys = tables.events.rsplit(".", 1)[0] + f".{TABLE}"

    def check(report: Report, checkpoints: list[Checkpoint]) -> None:
        after = ""
        while rows := tables._read(
            f"SELECT subject_id, key_id, wrapped, master_key_id FROM {keys} "  # noqa: S608
            "WHERE wrapped IS NOT NULL AND subject_id > %s ORDER BY subject_id LIMIT %s",
            (after, PAGE),
        ):
            for row in rows:
                columns = dict(
                    zip(("subject_id", "key_id", "wrapped", "master_key_id"), row, strict=True)
                )
                try:
                    unwrap(keyring, columns)
                except (TamperedError, MasterKeyError, ValueError):
                    report.breaks.append(
                        Break(
                            ALTERED,
                            f"the data key of subject {row[0]} does not open: its row was "
                            "edited, or copied from another person's",
                            stream_id=data_subject_id_for(UUID(row[0])),
                            table=TABLE,
                            row=row[0],
                        )
                    )
            after = rows[-1][0]

    return check
