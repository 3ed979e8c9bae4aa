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
the cell's condition fails → 403. Adding an endpoint is adding one row.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from ledger.application.records import EVERYTHING, ReadScope
from ledger.cases.complaint import Complaint
from ledger.cases.handoff import Handoff
from ledger.values import ROLES as ROLES  # the table's columns
from ledger.values import Actor
from privacy.masking import Visibility

SCOPED_ROLES: Final = frozenset({"department_staff"})


class Facts(Protocol):
    """What a condition may ask about the record a request names (loaded on first use)."""

    @property
    def complaint(self) -> Complaint | None: ...

    @property
    def handoff(self) -> Handoff | None: ...

    @property
    def department(self) -> str | None: ...

    def within(self, scope: ReadScope) -> bool:
        """Is the record the request names (none: True) readable within `scope`?"""
        ...


@dataclass(frozen=True)
class Condition:
    """A cell of the table: its short name and the check it makes."""

    name: str
    check: Callable[[Actor, Facts], bool]

    def __repr__(self) -> str:
        return self.name


def _owner_or_unassigned(actor: Actor, facts: Facts) -> bool:
    complaint = facts.complaint
    return complaint is None or complaint.owner in (None, actor.staff_id)


def _supervisor_chain(actor: Actor, facts: Facts) -> bool:
    complaint = facts.complaint
    return complaint is None or actor.department in (None, complaint.department)


def _receiving(actor: Actor, facts: Facts) -> bool:
    handoff = facts.handoff
    return handoff is None or handoff.to_department == actor.department


def in_scope(actor: Actor, facts: Facts) -> bool:
    """Is the record within the caller's department (the rules: `ledger.application.records`)?"""
    department = actor.department
    if department is None:
        return False
    if facts.department is not None:
        return facts.department == department
    return facts.within(read_scope(actor))


def read_scope(actor: Actor) -> ReadScope:
    """Which records `actor`, in the role they act in, may read by id."""
    if actor.role in SCOPED_ROLES:
        return ReadScope(confined=True, department=actor.department, staff_id=actor.staff_id)
    return EVERYTHING


def department_scope(actor: Actor) -> str | None:
    """For views that list records: the one department the caller is confined to, or None.

    The table judges a request for one named record; a list (a queue, a search) must itself
    leave out what a scoped caller may not see. A scoped caller without a department sees none:
    filter by the empty string then.
    """
    if actor.role in SCOPED_ROLES:
        return actor.department or ""
    return None


ALL: Final = Condition("ALL", lambda actor, facts: True)
OWN: Final = Condition("OWN", _owner_or_unassigned)
CHAIN: Final = Condition("CHAIN", _supervisor_chain)
RECV: Final = Condition("RECV", _receiving)
DEPT: Final = Condition("DEPT", in_scope)
__: Final = None

Rule = Mapping[str, Condition]


def row(*cells: Condition | None) -> Rule:
    """One row of the table: a cell per role, in the order of ROLES."""
    if len(cells) != len(ROLES):
        raise ValueError(f"a row has {len(ROLES)} cells, one per role; got {len(cells)}")
    return {role: cell for role, cell in zip(ROLES, cells, strict=True) if cell is not None}


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

# The console's views (api/console/) -> the API endpoint whose application call each makes. A
# view is judged by that endpoint's very row: a page is one more way to call the application,
# never a second set of rules. Its home page ("My work") is everyone's; what it lists is scoped
# by the same queries the API's lists use.
CONSOLE_VIEWS: Final[Mapping[str, str]] = {
    "console.register": "complaints.register",
    "console.case": "complaints.read",
    "console.classify": "complaints.classify",
    "console.assign": "complaints.assign",
    "console.respond": "complaints.respond",
    "console.notes": "complaints.notes",
    "console.resolve": "complaints.resolve",
    "console.feedback": "complaints.feedback",
    "console.reopen": "complaints.reopen",
    "console.close": "complaints.close",
    "console.await-customer": "complaints.await-customer",
    "console.customer-replied": "complaints.customer-replied",
    "console.escalate": "escalations.raise_escalation",
    "console.hand-off": "handoffs.request_handoff",
    "console.accept_handoff": "handoffs.accept",
    "console.refuse_handoff": "handoffs.reject",
    # Incidents (api/console/incidents.py, incident_actions.py)
    "console.incidents": "worklists.incidents",
    "console.report_incident": "incidents.report",
    "console.incident": "incidents.read",
    "console.review_editor": "incidents.review",
    "console.incident_review": "incidents.review_html",
    "console.incident_assess": "incidents.assess",
    "console.incident_activate": "incidents.activate",
    "console.incident_change_level": "incidents.change_level",
    "console.incident_assign_role": "incidents.assign_role",
    "console.incident_log": "incidents.log",
    "console.incident_milestone": "incidents.milestones",
    "console.incident_mitigate": "incidents.mitigate",
    "console.incident_resolve": "incidents.resolve",
    "console.incident_link": "incidents.complaints",
    "console.incident_review_save": "incidents.review",
    "console.incident_add_item": "incidents.action_items",
    "console.incident_item_complete": "incidents.action_items_item_complete",
    "console.incident_item_verify": "incidents.action_items_item_verify",
    "console.incident_item_waive": "incidents.action_items_item_waive",
    "console.incident_close": "incidents.close",
    # Audit (api/console/audit.py)
    "console.audit": "operations.query",
    "console.checkpoints": "integrity.list_checkpoints",
    "console.checkpoint_note": "integrity.get_checkpoint",
    "console.make_checkpoint": "integrity.make_checkpoint",
    "console.verifier_key": "integrity.verifier_key",
    "console.consistency_proof": "integrity.consistency_proof",
    "console.inclusion_proof": "integrity.inclusion_proof",
    "console.verify": "audit.verification",
    "console.evidence": "integrity.evidence_bundle",
    # Privacy (api/console/privacy.py): a person's page shows which records hold their data,
    # what the lookup answers, so it is judged by the lookup's row.
    "console.person": "subjects.lookup",
    "console.lookup": "subjects.lookup",
    "console.erase": "subjects.erase",
    "console.subject_hold": "subjects.place_hold",
    "console.subject_lift": "subjects.lift_hold",
    "console.retention": "retention.report",
    "console.hold": "retention.place_hold",
    "console.lift-hold": "retention.lift_hold",
    "console.complete_handoff": "handoffs.complete",
    "console.acknowledge_escalation": "escalations.acknowledge",
    "console.resolve_escalation": "escalations.resolve",
    "console.list_cases": "cases.list_complaints",
    "console.list_incidents": "worklists.incidents",
    "console.list_handoffs": "worklists.handoffs",
    "console.list_escalations": "worklists.escalations",
    "console.admin_tokens": "tokens.list_tokens",
    "console.admin_issue_token": "tokens.issue",
    "console.admin_approve": "tokens.approve",
    "console.admin_revoke": "tokens.revoke",
    "console.admin_staff": "staff.list_staff",
    "console.admin_put_staff": "staff.put",
    "console.admin_remove_staff": "staff.remove",
    "console.admin_webhooks": "webhooks.list_webhooks",
    "console.admin_subscribe": "webhooks.subscribe",
    "console.admin_unsubscribe": "webhooks.unsubscribe",
}

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
