"""How the bench's HTTP clients say who they are: the one place to change for bearer tokens.

Today the API takes the caller from X-Staff-* headers. When access control (issue 8) replaces
them with bearer tokens, make this function return `{"Authorization": f"Bearer {token}"}` for a
token created for the role (e.g. with `ledger tokens create`, passed in through the environment).
"""

import os


def auth_headers(role: str = "agent", staff_id: str = "bench-agent") -> dict[str, str]:
    """Headers that identify a bench client as a member of staff in `role`."""
    token = os.environ.get("BENCH_TOKEN")
    if token:
        return {"Authorization": f"Bearer {token}"}
    return {"X-Staff-Id": staff_id, "X-Staff-Role": role, "X-Staff-Department": "service"}
