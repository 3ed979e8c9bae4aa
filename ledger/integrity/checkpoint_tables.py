"""SQL for the signed checkpoints and the witnesses' cosignatures beside them, append-only."""

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.integrity.checkpoints import Checkpoint
from ledger.integrity.cosignatures import Cosignature
from ledger.store.recorders import APPEND_ONLY_MESSAGE


@dataclass(frozen=True)
class StoredCheckpoint:
    """A signed tree head as stored."""

    number: int
    tree_size: int
    root_hash: bytes
    signed_at: str
    key_id: str
    signature: bytes
    heads: str  # JSON object of extra heads, "{}" when none
    origin: str | None = None  # the C2SP log origin; None: signed in the first format


@dataclass(frozen=True)
class StoredCosignature:
    """A witness's cosignature of a checkpoint, as stored beside it."""

    number: int
    witness: str
    key_hash: bytes
    time: int
    signature: bytes


def to_checkpoint(
    stored: StoredCheckpoint, cosignatures: Sequence[StoredCosignature] = ()
) -> Checkpoint:
    """The checkpoint a stored row (and its stored cosignatures) holds."""
    return Checkpoint(
        stored.number,
        stored.tree_size,
        stored.root_hash,
        stored.signed_at,
        stored.key_id,
        stored.signature,
        json.loads(stored.heads),
        stored.origin,
        tuple(Cosignature(c.witness, c.key_hash, c.time, c.signature) for c in cosignatures),
    )


def checkpoint_statements(schema: str) -> list[str]:
    """The DDL of the checkpoint tables in this (checked) schema."""
    checkpoints = f'"{schema}".ledger_checkpoints'
    cosignatures = f'"{schema}".ledger_checkpoint_cosignatures'
    function = f'"{schema}".ledger_checkpoints_refuse_change'
    return [
        f"CREATE TABLE IF NOT EXISTS {checkpoints} (number BIGINT PRIMARY KEY, "
        "tree_size BIGINT NOT NULL, root_hash bytea NOT NULL, "
        "signed_at TEXT NOT NULL, key_id TEXT NOT NULL, signature bytea NOT NULL, "
        "heads TEXT NOT NULL)",
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: % refused on %', TG_OP, "
        "TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; END $$",
        f"CREATE OR REPLACE TRIGGER ledger_checkpoints_refuse_change BEFORE UPDATE OR "
        f"DELETE ON {checkpoints} FOR EACH ROW EXECUTE FUNCTION {function}()",
        # Checkpoints from before the C2SP format lack the origin. ALTER TABLE takes the
        # table's strongest lock even when the column exists: only alter what is missing.
        # (pg_attribute, not information_schema.columns: that view costs milliseconds.)
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_attribute "
        f"WHERE attrelid = '{checkpoints}'::regclass "
        "AND attname = 'origin' AND NOT attisdropped) THEN "
        f"ALTER TABLE {checkpoints} ADD COLUMN origin TEXT; END IF; END $$",
        f"CREATE TABLE IF NOT EXISTS {cosignatures} ("
        f"number BIGINT NOT NULL REFERENCES {checkpoints} (number), "
        "witness TEXT NOT NULL, key_hash bytea NOT NULL, time BIGINT NOT NULL, "
        "signature bytea NOT NULL, PRIMARY KEY (number, witness, key_hash))",
        f"CREATE OR REPLACE TRIGGER ledger_checkpoint_cosignatures_refuse_change BEFORE "
        f"UPDATE OR DELETE ON {cosignatures} FOR EACH ROW "
        f"EXECUTE FUNCTION {function}()",
    ]


class CheckpointTables(ABC):
    """The checkpoint tables' reads and writes (a mix-in of `IntegrityTables`)."""

    datastore: Any

    @abstractmethod
    def _read(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        """The rows of one statement, as tuples of binary-loaded values."""

    @property
    def checkpoints_table(self) -> str:
        return f'"{self.datastore.schema}".ledger_checkpoints'

    @property
    def cosignatures_table(self) -> str:
        return f'"{self.datastore.schema}".ledger_checkpoint_cosignatures'

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT INTO {self.checkpoints_table} (number, tree_size, root_hash, signed_at, "
                "key_id, signature, heads, origin) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    checkpoint.number,
                    checkpoint.tree_size,
                    checkpoint.root_hash,
                    checkpoint.signed_at,
                    checkpoint.key_id,
                    checkpoint.signature,
                    checkpoint.heads,
                    checkpoint.origin,
                ),
            )

    def checkpoints(
        self, *, number: int | None = None, latest: bool = False
    ) -> list[StoredCheckpoint]:
        """Every stored checkpoint in order (or the one with this number, or the latest)."""
        where, params = ("", []) if number is None else ("WHERE number = %s", [number])
        order = "ORDER BY number DESC LIMIT 1" if latest else "ORDER BY number"
        rows = self._read(
            "SELECT number, tree_size, root_hash, signed_at, key_id, signature, heads, origin "
            f"FROM {self.checkpoints_table} {where} {order}",
            params,
        )
        return [
            StoredCheckpoint(int(r[0]), int(r[1]), bytes(r[2]), r[3], r[4], bytes(r[5]), r[6], r[7])
            for r in rows
        ]

    def add_cosignature(self, cosignature: StoredCosignature) -> None:
        """Store a cosignature; IntegrityError if this witness key already cosigned it."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT INTO {self.cosignatures_table} (number, witness, key_hash, time, "
                "signature) VALUES (%s, %s, %s, %s, %s)",
                (
                    cosignature.number,
                    cosignature.witness,
                    cosignature.key_hash,
                    cosignature.time,
                    cosignature.signature,
                ),
            )

    def cosignatures(self, numbers: Sequence[int]) -> list[StoredCosignature]:
        """The cosignatures of these checkpoints, by checkpoint and witness."""
        if not numbers:
            return []
        rows = self._read(
            "SELECT number, witness, key_hash, time, signature "
            f"FROM {self.cosignatures_table} WHERE number = ANY(%s) ORDER BY number, witness",
            [list(numbers)],
        )
        return [
            StoredCosignature(int(r[0]), r[1], bytes(r[2]), int(r[3]), bytes(r[4])) for r in rows
        ]
