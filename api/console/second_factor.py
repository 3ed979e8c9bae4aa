"""The console's second factor: TOTP (RFC 6238, 30-second steps, six digits) per staff member.

The shared secret is made when the user enrols, shown to them once as an `otpauth://` URI (typed
or pasted into an authenticator; no QR image, so nothing is rendered from it), and kept sealed
with the master key (AES-256-GCM bound to the staff id). Enrolment counts once the user has
typed a valid code. A code's time step is remembered, so a code is accepted once only.
"""

from datetime import datetime
from typing import Any

import pyotp
from eventsourcing.postgres import PostgresDatastore

from privacy.crypto import open_sealed, seal
from privacy.db.schema_lock import serialise_schema_changes
from privacy.db.single_reads import reading_cursor
from privacy.keys.master_key import MasterKeyring

ISSUER = "Complaint ledger"
STEP = 30  # seconds (RFC 6238's default, what every authenticator expects)


def _context(staff_id: str) -> bytes:
    return f"console-totp:{staff_id}".encode()


class SecondFactors:
    """The TOTP secrets table in the ledger's own database."""

    def __init__(self, datastore: PostgresDatastore, keyring: MasterKeyring) -> None:
        self._datastore = datastore
        self._keyring = keyring
        self.table = f'"{datastore.schema}".ledger_console_totp'
        with datastore.transaction(commit=True) as c:
            serialise_schema_changes(c)
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} (staff_id TEXT PRIMARY KEY, "
                "key_id TEXT NOT NULL, sealed_secret BYTEA NOT NULL, "
                "confirmed BOOLEAN NOT NULL, last_step BIGINT NOT NULL)"
            )

    def enrolled(self, staff_id: str) -> bool:
        row = self._row(staff_id)
        return row is not None and bool(row["confirmed"])

    def begin_enrolment(self, staff_id: str, label: str) -> str:
        """A new secret for `staff_id` (replacing an unconfirmed one): its otpauth URI."""
        if self.enrolled(staff_id):
            raise ValueError("already enrolled")
        secret = pyotp.random_base32()
        key_id, key = self._keyring.current()
        sealed = seal(key, secret.encode(), _context(staff_id))
        with self._datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT INTO {self.table} VALUES (%s, %s, %s, FALSE, 0) "
                "ON CONFLICT (staff_id) DO UPDATE SET key_id = EXCLUDED.key_id, "
                "sealed_secret = EXCLUDED.sealed_secret, confirmed = FALSE, last_step = 0",
                (staff_id, key_id, sealed),
            )
        return pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=label, issuer_name=ISSUER)

    def verify(self, staff_id: str, code: str, *, now: datetime) -> bool:
        """Is `code` valid now (one step of drift either way) and not used before? A valid
        code confirms an enrolment in progress."""
        row = self._row(staff_id)
        if row is None or not (code.isdigit() and len(code) == 6):
            return False
        key = self._keyring.get(row["key_id"])
        secret = open_sealed(key, bytes(row["sealed_secret"]), _context(staff_id)).decode()
        totp = pyotp.TOTP(secret, interval=STEP)
        step = int(now.timestamp()) // STEP
        for candidate in (step - 1, step, step + 1):
            if candidate > row["last_step"] and totp.verify(code, for_time=candidate * STEP):
                with self._datastore.transaction(commit=True) as c:
                    c.execute(
                        f"UPDATE {self.table} SET confirmed = TRUE, last_step = %s "
                        "WHERE staff_id = %s AND last_step < %s",
                        (candidate, staff_id, candidate),
                    )
                    return bool(c.rowcount)
        return False

    def _row(self, staff_id: str) -> dict[str, Any] | None:
        with reading_cursor(self._datastore) as c:
            c.execute(
                # Columns named, not `*` (privacy/db/single_reads.py says why).
                "SELECT staff_id, key_id, sealed_secret, confirmed, last_step "
                f"FROM {self.table} WHERE staff_id = %s",
                (staff_id,),
            )
            row = c.fetchone()
        return None if row is None else dict(row)
