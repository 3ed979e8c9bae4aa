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

from uuid import UUID

from ledger.integrity.breaks import ALTERED, MISSING, Break, Report
from ledger.integrity.tables import IntegrityTables
from ledger.subjects.subject import DataSubject, data_subject_id_for
from ledger.topics import topics_of

PAGE = 10_000


def _erasure_topics() -> list[str]:
    return [
        *topics_of(DataSubject.Erased),  # type: ignore[attr-defined]  # made by @event
        *topics_of(DataSubject.DestroyedUnderRetention),  # type: ignore[attr-defined]
    ]


def check_subject_keys(tables: IntegrityTables, report: Report) -> None:
    """Add a break for every key row that disagrees with the ledger's erasures."""
    keys = tables.events.rsplit(".", 1)[0] + ".ledger_subject_keys"
    if tables._read("SELECT to_regclass(%s)", (keys,))[0][0] is None:
        return  # no key store in this database
    erased = {
        row[0]
        for row in tables._read(
            f"SELECT DISTINCT originator_id FROM {tables.events} WHERE topic = ANY(%s)",  # noqa: S608
            (_erasure_topics(),),
        )
    }
    seen: set[UUID] = set()
    after = ""
    while rows := tables._read(
        f"SELECT subject_id, wrapped IS NOT NULL FROM {keys} WHERE subject_id > %s "  # noqa: S608
        "ORDER BY subject_id LIMIT %s",
        (after, PAGE),
    ):
        for subject, alive in rows:
            record = data_subject_id_for(UUID(subject))
            seen.add(record)
            if alive and record in erased:
                report.breaks.append(
                    Break(
                        ALTERED,
                        f"the data key of subject {subject} is present, but the ledger records "
                        "their erasure: the key row was restored (it opens nothing)",
                        stream_id=record,
                    )
                )
            elif not alive and record not in erased:
                report.breaks.append(
                    Break(
                        MISSING,
                        f"the data key of subject {subject} was destroyed, but the ledger records "
                        "no erasure of theirs",
                        stream_id=record,
                    )
                )
        after = rows[-1][0]
    for record in sorted(erased - seen):
        report.breaks.append(
            Break(MISSING, "the key row of an erased person was deleted", stream_id=record)
        )
