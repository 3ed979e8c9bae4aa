"""How the bench's HTTP clients say who they are: a bearer token minted for each bench server.

`ledger_server` registers one agent token (BENCH_TOKEN, made once per bench process) in each
served store (`mint_bench_token`); `auth_headers` sends it.
"""

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta


def auth_headers(role: str = "agent", staff_id: str = "bench-agent") -> dict[str, str]:
    """Headers that identify a bench client: the token `ledger_server` minted."""
    return {"Authorization": f"Bearer {os.environ.get('BENCH_TOKEN', '')}"}


def mint_bench_token(env: Mapping[str, str]) -> str:
    """Register the bench's one agent token in the store the LEDGER_* settings in `env` name.

    The same secret goes into every bench server's store, so that clients of two servers
    running side by side share BENCH_TOKEN.
    """
    from ledger.access.tokens import PREFIX

    secret = os.environ.setdefault("BENCH_TOKEN", PREFIX + secrets.token_urlsafe(32))
    return mint_token(env, "bench-agent", "agent", "service", secret=secret)


def mint_token(
    env: Mapping[str, str], staff_id: str, role: str, department: str, *, secret: str | None = None
) -> str:
    """Register a token of `role` for `staff_id` in the store `env` names; return its secret."""
    from api.config import Settings
    from api.wiring.ledger import build_ledger
    from ledger.access.grants import TokenGrants
    from ledger.access.policy import ROLES
    from ledger.access.tokens import Principal, TokenStore

    ledger = build_ledger(Settings.from_env(env))
    try:
        now = ledger.clock.now()
        _, issued = TokenGrants(ledger, TokenStore(ledger.recorder.datastore)).issue(
            Principal(staff_id, staff_id, (role,), department),
            known_roles=ROLES,
            now=now,
            expires_at=now + timedelta(days=1),
            created_by="bench",
            secret=secret,
        )
    finally:
        ledger.close()
    return issued
