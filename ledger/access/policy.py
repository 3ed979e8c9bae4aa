"""Who may do what, and who sees personal data how: the one access-control table.

Every `/v1` endpoint (by its Flask endpoint name) has a row; each role has a column. A cell names
the condition under which that role may call the endpoint:

    ALL    always
    __     never: 403
    OWN    the complaint is the caller's own or nobody's yet (first-contact ownership)
    CHAIN  the caller is in the supervisor chain of the complaint's department: their department
           owns it, or they have none (organisation-wide); the level itself is the ledger's rule
    RECV   the handoff is addressed to the caller's department
    DEPT   within the department's scope (see below)

Department staff are *scoped*: a record outside their department's `ReadScope` (a complaint their
department neither owns nor was ever handed, a handoff neither from nor to it, an escalation of a
case they may not read, an incident that does not involve them; the rules are
`ledger.application.records`), another department's queue — all answer 404, exactly as a record
that does not exist, so scope never reveals existence.

The order of refusals: no row for the endpoint → 403 for everyone; no cell for any of the
caller's roles → 403; the named record does not exist or is outside the caller's scope → 404;
the cell's condition fails → 403. Adding an endpoint is adding one row. The cells and the scope
rules are `ledger.access.conditions`; the console's views, `ledger.access.console_views`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from ledger.access.conditions import (
    ALL,
    CHAIN,
    DEPT,
    OWN,
    RECV,
    SCOPED_ROLES,
    Facts,
    Rule,
    __,
    in_scope,
    row,
)
from ledger.access.console_views import CONSOLE_VIEWS
from ledger.values import ROLES as ROLES  # the table's columns
from ledger.values import Actor
from privacy.masking import Visibility

FULL: Final = "full"
MASK: Final = "masked"
NONE: Final = "none"

# fmt: off
#                                      agent  super  mgr    exec   dept   incid  compl  priv   admin
PERSONAL_DATA: Final[Mapping[str, Visibility]] = dict(zip(ROLES, (
                                       FULL,  FULL,  FULL,  MASK,  MASK,  MASK,  MASK,  FULL,  NONE,
), strict=True))

_API: Final[Mapping[str, Rule]] = {
    "complaints.register":         row(ALL,   ALL,   ALL,   __,    __,    __,    __,    __,    __),
    "complaints.read":             row(ALL,   ALL,   ALL,   ALL,   DEPT,  ALL,   ALL,   ALL,   ALL),
    "complaints.history":          row(ALL,   ALL,   ALL,   ALL,   DEPT,  ALL,   ALL,   ALL,   ALL),
    "complaints.classify":         row(OWN,   ALL,   ALL,   __,    __,    __,    __,    __,    __),
    "complaints.assign":           row(OWN,   ALL,   ALL,   __,    __,    __,    __,    __,    __),
    "complaints.respond":          row(OWN,   ALL,   ALL,   __,    __,    __,    __,    __,    __),
    "complaints.notes":            row(OWN,   ALL,   ALL,   __,    DEPT,  __,    __,    __,    __),
    "complaints.resolve":          row(OWN,   ALL,   ALL,   __,    __,    __,    __,    __,    __),
    "complaints.feedback":         row(OWN,   ALL,   ALL,   __,    __,    __,    __,    __,    __),
    "complaints.reopen":           row(OWN,   ALL,   ALL,   __,    __,    __,    __,    __,    __),
    "complaints.close":            row(OWN,   ALL,   ALL,   __,    __,    __,    __,    __,    __),
    "complaints.await-customer":   row(OWN,   ALL,   ALL,   __,    __,    __,    __,    __,    __),
    "complaints.customer-replied": row(OWN,   ALL,   ALL,   __,    __,    __,    __,    __,    __),
    "complaints.promise":          row(OWN,   ALL,   ALL,   __,    __,    __,    __,    __,    __),
    "cases.list_complaints":       row(ALL,   ALL,   ALL,   ALL,   DEPT,  ALL,   ALL,   ALL,   ALL),
    "cases.complaint_sla":         row(ALL,   ALL,   ALL,   ALL,   DEPT,  ALL,   ALL,   ALL,   ALL),
    "cases.audit":                 row(ALL,   ALL,   ALL,   ALL,   DEPT,  ALL,   ALL,   ALL,   ALL),
    "cases.queue":                 row(ALL,   ALL,   ALL,   ALL,   DEPT,  ALL,   ALL,   __,    __),
    "cases.service":               row(__,    ALL,   ALL,   ALL,   __,    ALL,   ALL,   __,    __),
    "cases.projections":           row(__,    ALL,   ALL,   ALL,   __,    __,    ALL,   __,    ALL),
    "escalations.raise_escalation":row(OWN,   ALL,   ALL,   __,    __,    __,    __,    __,    __),
    "escalations.read":            row(ALL,   ALL,   ALL,   ALL,   DEPT,  ALL,   ALL,   ALL,   ALL),
    "escalations.history":         row(ALL,   ALL,   ALL,   ALL,   DEPT,  ALL,   ALL,   ALL,   ALL),
    "escalations.acknowledge":     row(__,    CHAIN, CHAIN, CHAIN, __,    __,    __,    __,    __),
    "escalations.resolve":         row(__,    CHAIN, CHAIN, CHAIN, __,    __,    __,    __,    __),
    "handoffs.request_handoff":    row(OWN,   ALL,   ALL,   __,    __,    __,    __,    __,    __),
    "handoffs.read":               row(ALL,   ALL,   ALL,   ALL,   DEPT,  ALL,   ALL,   ALL,   ALL),
    "handoffs.history":            row(ALL,   ALL,   ALL,   ALL,   DEPT,  ALL,   ALL,   ALL,   ALL),
    "handoffs.accept":             row(RECV,  RECV,  __,    __,    RECV,  __,    __,    __,    __),
    "handoffs.reject":             row(RECV,  RECV,  __,    __,    RECV,  __,    __,    __,    __),
    "handoffs.complete":           row(RECV,  RECV,  __,    __,    RECV,  __,    __,    __,    __),
    "handoffs.department_queue":   row(ALL,   ALL,   ALL,   ALL,   DEPT,  ALL,   ALL,   __,    __),
    "worklists.incidents":         row(ALL,   ALL,   ALL,   ALL,   DEPT,  ALL,   ALL,   ALL,   ALL),
    "worklists.escalations":       row(ALL,   ALL,   ALL,   ALL,   DEPT,  ALL,   ALL,   ALL,   ALL),
    "worklists.handoffs":          row(ALL,   ALL,   ALL,   ALL,   DEPT,  ALL,   ALL,   ALL,   ALL),
    "incidents.report":            row(ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   __,    __,    __),
    "incidents.metrics":           row(__,    ALL,   ALL,   ALL,   __,    ALL,   ALL,   __,    __),
    "analytics.complaints":        row(__,    ALL,   ALL,   ALL,   __,    __,    ALL,   __,    __),
    "analytics.hot_spots":         row(__,    ALL,   ALL,   ALL,   __,    __,    ALL,   __,    __),
    "analytics.incidents":         row(__,    ALL,   ALL,   ALL,   __,    ALL,   ALL,   __,    __),
    "analytics.action_items":      row(__,    ALL,   ALL,   ALL,   __,    ALL,   ALL,   __,    __),
    "analytics.latest_report_page":row(__,    ALL,   ALL,   ALL,   __,    ALL,   ALL,   __,    __),
    "incidents.read":              row(ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL),
    "incidents.history":           row(ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL),
    "incidents.review_json":       row(ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL),
    "incidents.review_markdown":   row(ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL),
    "incidents.review_html":       row(ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL),
    "incidents.escalate":          row(__,    ALL,   ALL,   __,    __,    ALL,   __,    __,    __),
    "incidents.assess":            row(__,    __,    ALL,   ALL,   __,    ALL,   __,    __,    __),
    "incidents.change_level":      row(__,    __,    ALL,   ALL,   __,    ALL,   __,    __,    __),
    "incidents.activate":          row(__,    __,    ALL,   ALL,   __,    ALL,   __,    __,    __),
    "incidents.assign_role":       row(__,    __,    ALL,   ALL,   __,    ALL,   __,    __,    __),
    "incidents.log":               row(ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   __,    __,    __),
    "incidents.milestones":        row(__,    ALL,   ALL,   ALL,   ALL,   ALL,   __,    __,    __),
    "incidents.mitigate":          row(__,    __,    ALL,   ALL,   __,    ALL,   __,    __,    __),
    "incidents.resolve":           row(__,    __,    ALL,   ALL,   __,    ALL,   __,    __,    __),
    "incidents.review":            row(__,    __,    ALL,   ALL,   __,    ALL,   __,    __,    __),
    "incidents.action_items":      row(__,    __,    ALL,   ALL,   __,    ALL,   __,    __,    __),
    "incidents.action_items_item_complete":
                                   row(ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   __,    __,    __),
    "incidents.action_items_item_verify":
                                   row(__,    ALL,   ALL,   ALL,   __,    ALL,   __,    __,    __),
    "incidents.action_items_item_waive":
                                   row(__,    __,    ALL,   ALL,   __,    ALL,   __,    __,    __),
    "incidents.close":             row(__,    __,    ALL,   ALL,   __,    ALL,   __,    __,    __),
    "incidents.complaints":        row(__,    __,    ALL,   ALL,   __,    ALL,   __,    __,    __),
    "subjects.erase":              row(__,    __,    __,    __,    __,    __,    __,    ALL,   __),
    "subjects.lookup":             row(__,    __,    __,    __,    __,    __,    __,    ALL,   __),
    "subjects.access_export":      row(__,    __,    __,    __,    __,    __,    __,    ALL,   __),
    "subjects.place_hold":         row(__,    __,    __,    __,    __,    __,    ALL,   ALL,   __),
    "subjects.lift_hold":          row(__,    __,    __,    __,    __,    __,    ALL,   ALL,   __),
    "retention.place_hold":        row(__,    __,    __,    __,    __,    __,    ALL,   ALL,   __),
    "retention.lift_hold":         row(__,    __,    __,    __,    __,    __,    ALL,   ALL,   __),
    "retention.list_archives":     row(__,    __,    __,    __,    __,    __,    ALL,   ALL,   __),
    "retention.get_archive":       row(__,    __,    __,    __,    __,    __,    ALL,   ALL,   __),
    "retention.report":            row(__,    __,    __,    __,    __,    __,    ALL,   ALL,   __),
    "audit.access_log":            row(__,    __,    __,    __,    __,    __,    ALL,   ALL,   __),
    "audit.verification":          row(__,    __,    __,    __,    __,    __,    ALL,   __,    __),
    "integrity.list_checkpoints":  row(__,    __,    __,    __,    __,    __,    ALL,   __,    __),
    "integrity.get_checkpoint":    row(__,    __,    __,    __,    __,    __,    ALL,   __,    __),
    "integrity.make_checkpoint":   row(__,    __,    __,    __,    __,    __,    ALL,   __,    __),
    "integrity.inclusion_proof":   row(__,    __,    __,    __,    __,    __,    ALL,   __,    __),
    "integrity.consistency_proof": row(__,    __,    __,    __,    __,    __,    ALL,   __,    __),
    "integrity.add_cosignature":   row(__,    __,    __,    __,    __,    __,    ALL,   __,    __),
    "integrity.evidence_bundle":   row(__,    __,    __,    __,    __,    __,    ALL,   __,    __),
    "integrity.public_key":        row(ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL),
    "integrity.verifier_key":      row(ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL,   ALL),
    "tlog.checkpoint":             row(__,    __,    __,    __,    __,    __,    ALL,   __,    __),
    "tlog.tile":                   row(__,    __,    __,    __,    __,    __,    ALL,   __,    __),
    "tlog.entries":                row(__,    __,    __,    __,    __,    __,    ALL,   __,    __),
    "operations.query":            row(__,    __,    __,    __,    __,    __,    ALL,   __,    __),
    "staff.list_staff":            row(__,    __,    __,    __,    __,    __,    __,    __,    ALL),
    "staff.read":                  row(__,    __,    __,    __,    __,    __,    __,    __,    ALL),
    "staff.put":                   row(__,    __,    __,    __,    __,    __,    __,    __,    ALL),
    "staff.remove":                row(__,    __,    __,    __,    __,    __,    __,    __,    ALL),
    "webhooks.subscribe":          row(__,    __,    __,    __,    __,    __,    __,    __,    ALL),
    "webhooks.list_webhooks":      row(__,    __,    __,    __,    __,    __,    __,    __,    ALL),
    "webhooks.unsubscribe":        row(__,    __,    __,    __,    __,    __,    __,    __,    ALL),
    "notifications.list_notifications":
                                   row(__,    ALL,   ALL,   ALL,   __,    ALL,   ALL,   __,    ALL),
    "notifications.replay":        row(__,    __,    __,    __,    __,    __,    __,    __,    ALL),
    "tokens.issue":                row(__,    __,    __,    __,    __,    __,    __,    __,    ALL),
    "tokens.list_tokens":          row(__,    __,    __,    __,    __,    __,    __,    __,    ALL),
    "tokens.revoke":               row(__,    __,    __,    __,    __,    __,    __,    __,    ALL),
    "tokens.approve":              row(__,    __,    __,    __,    __,    __,    __,    __,    ALL),
}
# fmt: on

POLICY: Final[Mapping[str, Rule]] = {
    **_API,
    "console.home": row(ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL),
    **{view: _API[endpoint] for view, endpoint in CONSOLE_VIEWS.items()},
}


def _guarded_roles() -> frozenset[str]:
    """Roles that reveal personal data in clear, destroy it, or grant roles."""
    return frozenset(
        role
        for role in ROLES
        if PERSONAL_DATA[role] == FULL
        or role in POLICY["subjects.erase"]
        or role in POLICY["tokens.issue"]
    )


# A token with one of these needs a second administrator's approval (`ledger.access.grants`).
GUARDED_ROLES: Final = _guarded_roles()


def visibility_for(role: str) -> Visibility:
    """How `role` sees personal data; an unknown role sees none."""
    return PERSONAL_DATA.get(role, "none")


Outcome = Literal["allowed", "forbidden", "hidden"]


@dataclass(frozen=True)
class Decision:
    """The verdict on one request, and the role the caller acts in when it is allowed."""

    outcome: Outcome
    role: str | None = None


def decide(
    endpoint: str | None,
    *,
    staff_id: str,
    roles: tuple[str, ...],
    department: str | None,
    facts: Facts,
) -> Decision:
    """Apply the table. Loading the named record may raise `NotFoundError` (a 404 as well)."""
    rule = POLICY.get(endpoint or "")
    if rule is None:
        return Decision("forbidden")
    outcomes: list[Outcome] = []
    for role in roles:
        condition = rule.get(role)
        if condition is None:
            continue
        actor = Actor(staff_id=staff_id, role=role, department=department)
        if role in SCOPED_ROLES and not in_scope(actor, facts):
            outcomes.append("hidden")
        elif condition.check(actor, facts):
            return Decision("allowed", role)
        else:
            outcomes.append("forbidden")
    return Decision("hidden" if "hidden" in outcomes else "forbidden")
