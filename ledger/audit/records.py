"""What the audit log records and what checking it finds: one reveal, one break, a verdict."""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class Access:
    """One reveal of one subject's personal fields to one member of staff."""

    at: datetime
    staff_id: str
    role: str
    subject_id: UUID
    fields: tuple[str, ...]
    purpose: str  # the endpoint or command on whose behalf the data was revealed


@dataclass(frozen=True)
class AuditBreak:
    """One place where the stored audit log is not what was recorded: its kind (altered,
    missing, inserted, truncated, forged purge), the table and the row it names."""

    kind: str
    table: str
    row: int
    detail: str

    def describe(self) -> str:
        return self.detail


@dataclass(frozen=True)
class Verification:
    count: int  # the chain's length (its last row's number), purged rows included
    head: str
    breaks: list[AuditBreak] = field(default_factory=list)
    purged: int = 0  # rows before the anchor, removed under retention

    @property
    def problems(self) -> list[str]:
        return [found.describe() for found in self.breaks]

    @property
    def intact(self) -> bool:
        return not self.breaks
