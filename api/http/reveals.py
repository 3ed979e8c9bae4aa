"""Personal data as the caller's role may see it, and the access-log entries of what was shown.

Every reveal in a request is noted (`show`); once the response is ready, the notes become
access-log entries (`revealed_accesses`), written here unless the operation log records them.
"""

from flask import request

from api.http.request_state import request_state
from ledger.access.policy import visibility_for
from ledger.audit.access_log import Access
from privacy.fields import ERASED, TAMPERED, Personal
from privacy.masking import MASKERS


def show(value: Personal | None, kind: str, field: str) -> str | None:
    """A personal value as the caller's role may see it: full, masked or not at all.

    Every reveal is noted for the access log, which is written once the response is ready.
    """
    if value is None:
        return None
    state = request_state()
    visibility = visibility_for(state.actor.role if state.actor else "")
    if visibility == "none":
        return None
    text = state.ledger.reveal(value)  # with the request's memo of data keys
    state.reveal_noted(value.subject_id, field)
    state.showed_personal = True
    if visibility == "masked" and text not in (ERASED, TAMPERED):
        return MASKERS[kind](text)
    return text


def revealed_accesses() -> list[Access]:
    """The request's reveals so far, as access-log entries; taken once (the caller logs them)."""
    state = request_state()
    revealed = state.take_revealed()
    if not revealed or state.actor is None:
        return []
    actor = state.actor
    now = state.ledger.clock.now()
    purpose = f"{request.method} {request.url_rule.rule if request.url_rule else request.path}"
    return [
        Access(
            at=now,
            staff_id=actor.staff_id,
            role=actor.role,
            subject_id=subject_id,
            fields=tuple(sorted(fields)),
            purpose=purpose,
        )
        for subject_id, fields in revealed.items()
    ]


def write_access_log() -> None:
    """After a request the operation log did not record: whose personal fields it revealed."""
    if accesses := revealed_accesses():
        request_state().ledger.access_log.record(accesses)
