"""`ledger review export ID --format md|html|json --output FILE`: a review written to a file.

Personal values in the review are shown as the named staff member's role may see them (masked
for an incident manager), and every reveal is written to the access log, as over HTTP. The
review follows the reader's scope as over HTTP too: department staff (`--role department_staff
--department technical`) export only an incident involving their department, and of a linked
complaint outside it only its reference and status.
"""

import argparse
import getpass
import json
from uuid import UUID

from api.config import Settings
from ledger.access.conditions import read_scope
from ledger.access.policy import visibility_for
from ledger.application.records import Records
from ledger.application.scope import RequestScope
from ledger.audit.access_log import Access
from ledger.errors import LedgerError
from ledger.values import ROLES, Actor
from privacy.fields import ERASED, TAMPERED, Personal
from privacy.files import private_file
from privacy.keys.keystore import KeyMemo
from privacy.masking import MASKERS

FORMATS = ("md", "html", "json")


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    review = commands.add_parser("review", help="post-incident reviews").add_subparsers(
        dest="action", required=True
    )
    export = review.add_parser("export", help="write an incident's review to a file")
    export.add_argument("incident", help="the incident's id or reference (INC-2026-000001)")
    export.add_argument("--format", choices=FORMATS, default="md")
    export.add_argument("--output", required=True, help="the file to write ('-' for stdout)")
    export.add_argument(
        "--staff",
        default=None,
        help="your staff id, for the access log (default: cli-<your login name>)",
    )
    export.add_argument(
        "--department",
        default=None,
        help="your department: department staff see only the linked complaints it may read",
    )
    export.add_argument(
        "--role",
        default="incident_manager",
        choices=[r for r in ROLES if r != "system"],
        help="the role whose view of personal data the review shows (default: incident_manager)",
    )


def run(settings: Settings, args: argparse.Namespace) -> None:
    from api.wiring.ledger import build_ledger
    from projections.incidents.review import build_review
    from projections.incidents.review_html import render_html
    from projections.incidents.review_markdown import render_markdown

    ledger = build_ledger(settings, create=False)
    try:
        incident = ledger.find_incident(args.incident)
        memo: KeyMemo = {}
        revealed: dict[UUID, set[str]] = {}
        visibility = visibility_for(args.role)

        def reveal(value: Personal, kind: str, field: str) -> str | None:
            if visibility == "none":
                return None
            text = ledger.keys.reveal(value, memo)
            revealed.setdefault(value.subject_id, set()).add(field)
            if visibility == "masked" and text not in (ERASED, TAMPERED):
                return MASKERS[kind](text)
            return text

        now = ledger.clock.now()
        # The streams it reads bring their people's keys into the memo.
        reading = ledger.for_request(RequestScope(keys=memo))
        reader = Actor(
            staff_id=args.staff or f"cli-{getpass.getuser()}",
            role=args.role,
            department=args.department,
        )
        review = build_review(
            reading,
            incident.id,
            reveal=reveal,
            now=now,
            records=Records(reading),
            scope=read_scope(reader),
        )
        if revealed:
            ledger.access_log.record(
                [
                    Access(
                        at=now,
                        staff_id=reader.staff_id,
                        role=reader.role,
                        subject_id=subject,
                        fields=tuple(sorted(fields)),
                        purpose=f"ledger review export {incident.reference}",
                    )
                    for subject, fields in revealed.items()
                ]
            )
    finally:
        ledger.close()
    if args.format == "json":
        text = json.dumps(review, indent=2, ensure_ascii=False) + "\n"
    elif args.format == "html":
        text = render_html(review)
    else:
        text = render_markdown(review)
    if args.output == "-":
        print(text, end="")
        return
    try:
        with private_file(args.output, encoding="utf-8") as file:  # it may name customers
            file.write(text)
    except OSError as error:
        raise LedgerError(f"cannot write {args.output}: {error.strerror or error}") from None
    print(f"wrote the {args.format} review of {incident.reference} to {args.output}")
