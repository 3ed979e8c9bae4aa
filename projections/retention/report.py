"""What one retention run did (or, dry, would do), and what it skipped and why."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledger.audit.purges import Purge


@dataclass(frozen=True)
class Skipped:
    case_id: str
    reason: str


@dataclass
class RetentionReport:
    """What one run did (or, dry, would do), and what it skipped and why."""

    run_id: str
    at: datetime
    dry_run: bool
    archived: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    not_due: int = 0
    already_archived: int = 0
    destroyed: list[str] = field(default_factory=list)
    kept: list[Skipped] = field(default_factory=list)  # subject id and why its key stays
    checkpoints: list[int] = field(default_factory=list)
    purged: list[Purge] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "at": self.at.isoformat(),
            "dry_run": self.dry_run,
            "archived": self.archived,
            "skipped": [{"case_id": s.case_id, "reason": s.reason} for s in self.skipped],
            "not_due": self.not_due,
            "already_archived": self.already_archived,
            "destroyed_subjects": self.destroyed,
            "kept_subjects": [{"subject_id": s.case_id, "reason": s.reason} for s in self.kept],
            "checkpoints": self.checkpoints,
            "purged": [
                {
                    "log": p.log,
                    "rows": f"{p.after + 1}..{p.up_to}",
                    "count": p.count,
                    "policy": p.policy,
                }
                for p in self.purged
            ],
        }
