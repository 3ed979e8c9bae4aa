"""Webhook subscriptions: where to POST which notifications, signed with whose secret.

A side table beside the event store, managed by administrators. The signing secret is sealed
with the master key (AES-256-GCM, bound to the subscription's id) and is never read back out
over the API: only the deliverer opens it, to sign.
"""

import base64
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.postgres import PostgresDatastore

from ledger.errors import DomainError
from privacy.crypto import open_sealed, seal
from privacy.db.schema_lock import serialise_schema_changes
from privacy.db.single_reads import reading_cursor
from privacy.keys.master_key import MasterKeyring

SECRET_PREFIX = "whsec_"  # noqa: S105  (the format's prefix, not a secret)


@dataclass(frozen=True)
class Subscription:
    """One subscription, without its secret."""

    subscription_id: UUID
    url: str
    kinds: tuple[str, ...]  # notification kinds; empty: all
    departments: tuple[str, ...]  # empty: every department
    created_at: datetime
    created_by: str

    def wants(self, kind: str, department: str | None) -> bool:
        return (not self.kinds or kind in self.kinds) and (
            not self.departments or department in self.departments
        )


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def check_secret(secret: str) -> None:
    try:
        raw = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except ValueError:
        raw = b""
    if not secret.startswith(SECRET_PREFIX) or not 24 <= len(raw) <= 64:
        raise DomainError("expected whsec_ and 24 to 64 bytes in base64", field="secret")


class Subscriptions:
    """The subscription table in the ledger's own database."""

    def __init__(self, datastore: PostgresDatastore, keyring: MasterKeyring) -> None:
        self._datastore = datastore
        self._keyring = keyring
        self.table = f'"{datastore.schema}".ledger_webhook_subscriptions'
        with datastore.transaction(commit=True) as c:
            serialise_schema_changes(c)
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} (subscription_id TEXT PRIMARY KEY, "
                "url TEXT NOT NULL, kinds TEXT NOT NULL, departments TEXT NOT NULL, "
                "key_id TEXT NOT NULL, sealed_secret BYTEA NOT NULL, "
                "created_at TIMESTAMPTZ NOT NULL, created_by TEXT NOT NULL)"
            )

    def add(
        self,
        *,
        url: str,
        secret: str,
        kinds: tuple[str, ...],
        departments: tuple[str, ...],
        at: datetime,
        by: str,
    ) -> Subscription:
        check_secret(secret)
        sub = Subscription(uuid4(), url, tuple(kinds), tuple(departments), at, by)
        key_id, key = self._keyring.current()
        sealed = seal(key, secret.encode(), _context(sub.subscription_id))
        with self._datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT INTO {self.table} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    str(sub.subscription_id),
                    url,
                    json.dumps(list(kinds)),
                    json.dumps(list(departments)),
                    key_id,
                    sealed,
                    at,
                    by,
                ),
            )
        return sub

    def remove(self, subscription_id: UUID) -> bool:
        with self._datastore.transaction(commit=True) as c:
            c.execute(
                f"DELETE FROM {self.table} WHERE subscription_id = %s", (str(subscription_id),)
            )
            return bool(c.rowcount)

    def all(self) -> list[Subscription]:
        return [_subscription(row) for row in self._rows("ORDER BY created_at", ())]

    def get(self, subscription_id: UUID) -> Subscription | None:
        rows = self._rows("WHERE subscription_id = %s", (str(subscription_id),))
        return _subscription(rows[0]) if rows else None

    def secret(self, subscription_id: UUID) -> str | None:
        """The signing secret, opened for the deliverer; None once the subscription is gone."""
        rows = self._rows("WHERE subscription_id = %s", (str(subscription_id),))
        if not rows:
            return None
        key = self._keyring.get(rows[0]["key_id"])
        return open_sealed(key, bytes(rows[0]["sealed_secret"]), _context(subscription_id)).decode()

    def _rows(self, where: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        with reading_cursor(self._datastore) as c:
            # Columns named, not `*` (privacy/db/single_reads.py says why).
            c.execute(
                "SELECT subscription_id, url, kinds, departments, key_id, sealed_secret, "
                f"created_at, created_by FROM {self.table} {where}",
                params,
            )
            return [dict(row) for row in c.fetchall()]


def _context(subscription_id: UUID) -> bytes:
    return f"webhook-secret:{subscription_id}".encode()


def _subscription(row: dict[str, Any]) -> Subscription:
    return Subscription(
        subscription_id=UUID(row["subscription_id"]),
        url=row["url"],
        kinds=tuple(json.loads(row["kinds"])),
        departments=tuple(json.loads(row["departments"])),
        created_at=row["created_at"],
        created_by=row["created_by"],
    )
