"""The console's views (`api/console/`), each judged by the row of one API endpoint.

`console.<name>` is a view's endpoint; `CONSOLE_VIEWS` maps it to the endpoint whose application
call the view makes, and `ledger.access.policy.POLICY` gives the view that endpoint's very row.
"""

from collections.abc import Mapping
from typing import Final

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
    "console.access_export": "subjects.access_export",
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
    # Reports (api/console/reports.py): the figures page follows the figures' row, the report
    # file the report's row.
    "console.reports": "analytics.complaints",
    "console.report": "analytics.latest_report_page",
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
