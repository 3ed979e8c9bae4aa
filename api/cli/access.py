"""`ledger tokens ...` and `ledger oplog ...`: access control from the command line.

ledger tokens create --staff ID --role ROLE [--role ROLE] [--department DEPT] [--name NAME]
                     [--expires 90d]      prints the new token once, as the last line
ledger tokens list                        every token, without secrets
ledger tokens approve TOKEN_ID            a second administrator's approval of a pending token;
                                          their own token in the LEDGER_TOKEN variable
ledger tokens revoke TOKEN_ID             refused from the next request on
ledger oplog verify [--expect COUNT:HASH] recompute the operation log's hash chain
"""

import argparse
import os
from typing import Any

from api.config import Settings
from ledger.access.grants import TokenGrants
from ledger.access.issuing import issue_token
from ledger.access.tokens import TokenStore
from ledger.application.service import LedgerApplication
from ledger.audit.operation_log import Head
from ledger.errors import LedgerError

HOW_TO_ISSUE = (
    "ledger tokens create --staff ID --role ROLE [--department DEPT] [--name NAME] [--expires 90d]"
)


def add_commands(commands: Any) -> None:
    """Add `tokens` to the `ledger` command's subparsers."""
    tokens = commands.add_parser("tokens", help="staff access tokens").add_subparsers(
        dest="action", required=True
    )
    create = tokens.add_parser("create", help="issue a token; prints it once, as the last line")
    create.add_argument("--staff", required=True, help="the staff id")
    create.add_argument(
        "--role", required=True, action="append", help="a role (repeat for several)"
    )
    create.add_argument("--department", help="the staff member's department")
    create.add_argument("--name", help="display name (default: the staff id)")
    create.add_argument("--expires", default="90d", help="lifetime, e.g. 12h or 90d (default)")
    tokens.add_parser("list", help="every token, without its secret")
    approve = tokens.add_parser(
        "approve",
        help="approve a pending token, as the administrator whose token is in LEDGER_TOKEN",
    )
    approve.add_argument("token_id")
    revoke = tokens.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id")
    oplog = commands.add_parser("oplog", help="the operation log").add_subparsers(
        dest="action", required=True
    )
    verify = oplog.add_parser("verify", help="recompute the hash chain; exit 2 if tampered with")
    verify.add_argument(
        "--expect",
        metavar="COUNT:HASH",
        help="a head recorded earlier (e.g. in a checkpoint): row COUNT must still have HASH",
    )


def run(settings: Settings, args: argparse.Namespace) -> bool:
    """Run a command of this module; False if `args` names none of them."""
    if args.command not in ("tokens", "oplog"):
        return False
    from api.wiring.ledger import build_ledger

    # `tokens create` may come before the service's first start; the operation log is only read.
    ledger = build_ledger(settings, create=args.command == "tokens")
    try:
        if args.command == "oplog":
            _verify(ledger, settings, args.expect)
            return True
        tokens = _grants(ledger)
        {"create": _create, "list": _list, "approve": _approve, "revoke": _revoke}[args.action](
            ledger, tokens, args, settings
        )
    finally:
        ledger.close()
    return True


def _verify(ledger: LedgerApplication, settings: Settings, expect: str | None) -> None:
    from api.wiring.audit import operation_log

    expected = None
    if expect is not None:
        count, _, digest = expect.partition(":")
        if not count.isdigit() or len(digest) != 64:
            raise LedgerError("--expect: COUNT:HASH, as `ledger oplog verify` prints them")
        expected = Head(int(count), digest)
    result = operation_log(ledger, settings).verify(expected=expected)
    if not result.intact:
        more = f" (and {len(result.problems) - 1} more)" if len(result.problems) > 1 else ""
        raise LedgerError(f"the operation log was tampered with: {result.problems[0]}{more}")
    print(f"operation log intact: {result.count} entries, head {result.count}:{result.head}")


def _grants(ledger: LedgerApplication) -> TokenGrants:
    return TokenGrants(ledger, TokenStore(ledger.recorder.datastore))  # type: ignore[attr-defined]


def _create(
    ledger: LedgerApplication, tokens: TokenGrants, args: argparse.Namespace, settings: Settings
) -> None:
    token, secret = issue_token(
        tokens,
        staff_id=args.staff,
        roles=tuple(args.role),
        department=args.department,
        name=args.name,
        expires_in=args.expires,
        now=ledger.clock.now(),
        created_by="cli",
        # The first token of an installation has nobody to approve it (docs/access-control.md).
        two_person_rule=settings.two_person_rule and tokens.count() > 0,
        departments=ledger.policy.departments,
    )
    p = token.principal
    where = f", department {p.department}" if p.department else ""
    if token.pending:
        print(
            f"token {token.token_id} is PENDING: it works once another administrator approves "
            f"it (POST /v1/tokens/{token.token_id}/approve or `ledger tokens approve`)."
        )
    print(
        f"token {token.token_id} for {p.staff_id} ({', '.join(p.roles)}{where}), "
        f"expires {token.expires_at.isoformat(timespec='seconds')}; it is shown only once:"
    )
    print(secret)


def _list(
    ledger: LedgerApplication, tokens: TokenGrants, args: argparse.Namespace, settings: Settings
) -> None:
    now = ledger.clock.now()
    rows = [("ID", "STAFF", "ROLES", "DEPARTMENT", "STATE", "EXPIRES", "NAME")]
    for t in tokens.all_tokens():
        p = t.principal
        rows.append(
            (
                t.token_id,
                p.staff_id,
                ",".join(p.roles),
                p.department or "-",
                t.state(now),
                t.expires_at.isoformat(timespec="seconds"),
                p.name,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)) + "  " + r[-1])


def _approve(
    ledger: LedgerApplication, tokens: TokenGrants, args: argparse.Namespace, settings: Settings
) -> None:
    now = ledger.clock.now()
    secret = os.environ.get("LEDGER_TOKEN", "").strip()
    approver = tokens.authenticate(secret, now=now) if secret else "LEDGER_TOKEN is not set"
    if isinstance(approver, str):
        raise LedgerError(f"approving needs your administrator token in LEDGER_TOKEN: {approver}")
    if "administrator" not in approver.principal.roles:
        raise LedgerError("only an administrator approves tokens")
    token = tokens.approve(
        args.token_id, by=approver.principal.staff_id, token_used=approver.token_id, now=now
    )
    print(f"approved {token.token_id} ({token.principal.staff_id}) as {token.approved_by}")


def _revoke(
    ledger: LedgerApplication, tokens: TokenGrants, args: argparse.Namespace, settings: Settings
) -> None:
    token = tokens.revoke(args.token_id, by="cli", token_used=None, now=ledger.clock.now())
    if token is None:
        raise LedgerError("no token with that id")
    print(f"revoked {token.token_id} ({token.principal.staff_id})")


def bootstrap_admin_token(ledger: LedgerApplication) -> str | None:
    """On an embedded store without any token: issue the first administrator token.

    The bootstrap exception to the two-person rule: there is no second administrator yet.
    """
    tokens = _grants(ledger)
    if tokens.count():
        return None
    token, secret = issue_token(
        tokens,
        staff_id="admin",
        roles=("administrator",),
        department=None,
        name="Administrator",
        expires_in="90d",
        now=ledger.clock.now(),
        created_by="first-start",
        two_person_rule=False,
        departments=ledger.policy.departments,
    )
    return (
        f"No access tokens existed: created administrator token {token.token_id} "
        f"(staff admin, expires {token.expires_at.isoformat(timespec='seconds')}).\n"
        "It is shown only this once; keep it safe:\n"
        f"  {secret}\n"
        f"Issue staff tokens with `{HOW_TO_ISSUE}`\n"
        "or POST /v1/tokens with this token."
    )
