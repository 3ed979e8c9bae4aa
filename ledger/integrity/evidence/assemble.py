"""Assemble the evidence bundle of one complaint: its streams, proofs, checkpoint, audit rows.

The case is the complaint, the handoffs and escalations its events name, the incident it is
linked to and that incident's escalations. A checkpoint is signed for the export (or the latest
reused when nothing grew), so every event and every audit row of the case is under it.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from ledger.application.service import LedgerApplication
from ledger.audit.operation_log import OperationLog
from ledger.integrity.evidence.archive import write_archive
from ledger.integrity.evidence.audit_segment import audit_segment, signed_head
from ledger.integrity.evidence.checkpoint_text import signature_line, signed_text
from ledger.integrity.evidence.manifest import FORMAT, sealed
from ledger.integrity.evidence.shown import Shown
from ledger.integrity.service import Integrity
from ledger.values import Actor
from privacy.masking import Visibility

# Event attributes that name another stream of the same case, and that stream's kind.
_LINKS: Final = {"handoff_id": "handoff", "escalation_id": "escalation", "incident_id": "incident"}
_ORDER: Final = ("complaint", "incident", "handoff", "escalation")


@dataclass(frozen=True)
class Exported:
    """A bundle as bytes, and what it holds (for the caller's log and reply)."""

    archive: bytes
    reference: str
    complaint_id: UUID
    checkpoint: int
    events: int
    revealed: list[dict[str, Any]]


def _dump(document: Any) -> bytes:
    return (json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def case_streams(app: LedgerApplication, complaint_id: UUID) -> list[tuple[str, UUID, list[Any]]]:
    """(kind, id, events) of every stream of the case, the complaint's first."""
    found: dict[UUID, tuple[str, list[Any]]] = {}
    pending = [("complaint", complaint_id)]
    while pending:
        kind, stream = pending.pop(0)
        if stream in found:
            continue
        events = list(app.events.get(stream))
        found[stream] = (kind, events)
        for event in events:
            for attribute, linked_kind in _LINKS.items():
                linked = getattr(event, attribute, None)
                if isinstance(linked, UUID) and linked not in found:
                    pending.append((linked_kind, linked))
    return sorted(
        ((kind, stream, events) for stream, (kind, events) in found.items()),
        key=lambda item: (_ORDER.index(item[0]), item[2][0].timestamp, str(item[1])),
    )


def export_case(
    app: LedgerApplication,
    integrity: Integrity,
    oplog: OperationLog | None,
    *,
    reference: str,
    actor: Actor,
    visibility: Visibility,
    at: datetime,
) -> Exported:
    """The bundle of the complaint `reference` (an id or reference), for `actor`."""
    complaint = app.find_complaint(reference)
    streams = case_streams(app, complaint.id)
    checkpoint = integrity.checkpoint()
    shown = Shown(visibility, app.reveal)
    files: dict[str, bytes] = {}
    described = []
    for kind, stream, events in streams:
        for event in events:
            version = event.originator_version
            proof = integrity.inclusion_proof(
                stream_id=stream, version=version, checkpoint=checkpoint.number
            )
            proof.pop("checkpoint")
            proof["kind"] = kind
            proof["shown"] = shown.event(event)
            files[f"events/{stream}/{version:06d}.json"] = _dump(proof)
        described.append({"kind": kind, "id": str(stream), "events": len(events)})
    head = signed_head(dict(checkpoint.heads))
    targets = [f"{kind}:{stream}" for kind, stream, _ in streams]
    segment = audit_segment(oplog, targets, head) if oplog is not None else audit_segment_none()
    files["audit/segment.json"] = _dump(segment)
    signed = signed_text(checkpoint)
    files["checkpoint.txt"] = signed.text
    files["checkpoint.sig"] = signature_line(signed)
    files["key.json"] = _dump(integrity.public_key_document())
    revealed = shown.revealed_list()
    files["case.json"] = _dump(
        {
            "format": FORMAT,
            "reference": complaint.reference,
            "complaint_id": str(complaint.id),
            "exported_at": at.isoformat(),
            "exported_by": {"staff_id": actor.staff_id, "role": actor.role},
            "visibility": visibility,
            "checkpoint": checkpoint.number,
            "streams": described,
            "revealed": revealed,
        }
    )
    archive = write_archive(sealed(files, integrity.sign_statement))
    count = sum(len(events) for _, _, events in streams)
    return Exported(archive, complaint.reference, complaint.id, checkpoint.number, count, revealed)


def audit_segment_none() -> dict[str, Any]:
    return {"head": None, "touching": [], "rows": []}
