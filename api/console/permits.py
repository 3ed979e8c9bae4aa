"""What the policy table lets the signed-in caller open: for offering only the forms and links
they may use. The guard still judges every request; this only keeps refusals off the page."""

from flask import Flask

from api.console.blueprint import current_session
from api.http.request_facts import RequestFacts
from api.http.request_state import request_state
from ledger.access.policy import decide


def allowed(views: list[str], *, on_record: bool = True) -> set[str]:
    """Which of these console views (endpoint names without `console.`) the caller may open, on
    this request's record (`on_record`) or on none (a link in the menu). The ledger may still
    refuse an action in the record's state, and then says why."""
    session = current_session()
    principal = session.principal if session else None
    if principal is None or not session or not session.signed_in:
        return set()
    state = request_state()
    facts = state.facts if on_record and state.facts is not None else None
    if facts is None:
        facts = RequestFacts(state.ledger, {}, records=state.records)
    return {
        name
        for name in views
        if decide(
            f"console.{name}",
            staff_id=principal.staff_id,
            roles=principal.roles,
            department=principal.department,
            facts=facts,
        ).outcome
        == "allowed"
    }


def may(view: str, on_record: bool = False) -> bool:
    """In a template: may the caller open this console view (on no record by default)?"""
    return bool(allowed([view], on_record=on_record))


def install(app: Flask) -> None:
    app.jinja_env.globals["may"] = may
