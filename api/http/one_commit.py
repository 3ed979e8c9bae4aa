"""Writes answered in one commit: a command's events and its audit-log row in one transaction.

A route marked `answered_in_one_commit` holds its command's saves (`RequestScope.hold_saves`)
until its answer is ready. `record_operation` then stores them together with the request's
audit-log row, which can now say the answer's status and the personal fields it reveals, in one
transaction through the events' group commit: the write waits on one commit, not on its events'
and then its row's. Only routes whose command saves once, at its end, and reads nothing of the
store after are marked.

If that commit fails (another write won, the customer was erased meanwhile, the store went
away), nothing of the command is stored and the answer becomes the failure's problem, exactly
as if the command had raised it; the row then records that answer, without the reveals of the
answer that was not sent.
"""

import functools
from collections.abc import Callable, Sequence
from typing import Any

from flask import Response, current_app

from api.http import conditional
from api.http.request_state import RequestState, request_state
from ledger.audit.log_rows import LogEntry, Operation
from ledger.audit.records import Access


def answered_in_one_commit(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a command route whose saves wait for its answer (see the module's note)."""

    @functools.wraps(view)
    def holding(*args: Any, **kwargs: Any) -> Any:
        request_state().scope.hold_saves()
        return view(*args, **kwargs)

    return holding


def commit_answer(
    response: Response,
    state: RequestState,
    operation: Callable[[Response], Operation],
    accesses: Sequence[Access],
) -> tuple[Response, bool]:
    """Store the request's held saves with its audit-log row; the answer to send, and whether
    its row is written. A failed answer stores nothing it held; neither does a failed commit,
    whose problem is then the answer, its row still to be written."""
    if not state.scope.held:
        return response, False
    if response.status_code >= 400:
        state.scope.take_held()  # the command's answer is an error: it stores nothing
        return response, False
    try:
        written = state.ledger.commit_held([LogEntry(operation(response), accesses)])
    except Exception as error:
        # The record the answer would have shown was not stored: a retry with the same
        # idempotency key must replay this problem, not present that record.
        state.presented = state.etag = state.last_modified = None
        failed = current_app.make_response(current_app.handle_user_exception(error))
        return conditional.finish(failed), False  # its tags and caching rules, as any answer's
    return response, written
