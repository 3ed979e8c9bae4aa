"""The service's settings, read once from the environment and validated before anything starts."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from ledger.errors import PolicyError
from ledger.integrity.note import (
    COSIGNATURE_V1,
    NoteError,
    VerifierKey,
    is_valid_name,
    parse_verifier_key,
)
from ledger.store.embedded import embedded_database_url

# The operating standards keep operation logs at least six months (003 §4.2).
OPLOG_RETENTION_FLOOR_DAYS = 183


@dataclass(frozen=True)
class Settings:
    """Where the ledger stores its data and how the service listens."""

    data_dir: Path = Path("var")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    policy_file: Path | None = None
    max_body_bytes: int = 64 * 1024
    threads: int = 16  # per server process
    workers: int = 0  # server processes; 0 = by CPUs (see `processes`)
    # Access control: bad tokens per address within the window before 429; operation log age.
    auth_max_failures: int = 10
    auth_failure_window_seconds: int = 60
    oplog_retention_days: int = OPLOG_RETENTION_FLOOR_DAYS
    # A token that reveals or destroys personal data, or grants roles, needs a second admin.
    two_person_rule: bool = True
    # inprocess: the service keeps its projections current itself; off: a worker process does.
    projections: str = "inprocess"
    group_commit: bool = True  # concurrent saves share one write transaction
    # Master key material is kept out of repr() so that a logged Settings never shows it.
    master_key_settings: Mapping[str, str] = field(default_factory=dict, repr=False)
    signing_key_settings: Mapping[str, str] = field(default_factory=dict, repr=False)
    # Seconds between signed checkpoints; 0 = only on demand. From the environment the default is
    # hourly (`from_env`); Settings built in code (tests, tools) checkpoint only when asked.
    checkpoint_interval: int = 0
    # The C2SP log origin (checkpoints' first line and key name); "" = derived from the key.
    log_origin: str = ""
    # Witnesses whose cosignatures of checkpoints are accepted (vkeys of type 0x04).
    witness_keys: tuple[VerifierKey, ...] = ()
    retention_file: Path | None = (
        None  # retention rules (projections/retention/rules.py); None = defaults
    )
    retention_interval: int = 0  # seconds between retention runs in the service; 0 = never
    # Database faults (ledger/store/availability.py): the longest wait for a connection, the
    # longest statement, and the Retry-After of a 503 while the database is unreachable.
    db_timeout: int = 5
    statement_timeout: int = 30
    retry_after: int = 5
    # Notifications (projections/notifications/): seconds between notifier ticks (0 = off),
    # attempts before a dead letter, the first retry's delay (doubled each time), links' base.
    notify_interval: int = 0
    notify_max_attempts: int = 8
    notify_first_retry: int = 60
    public_url: str = "http://127.0.0.1:8000"
    smtp_host: str = ""  # empty: no e-mail
    smtp_port: int = 25
    smtp_tls: str = "none"  # none, starttls or tls
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_sender: str = "ledger@localhost"
    # The web console (api/console/): a session ends after this long unused, or this long after
    # sign-in whatever its use; TOTP for the roles that reveal or destroy personal data.
    console_idle_minutes: int = 30
    console_absolute_hours: int = 12
    console_second_factor: bool = False
    # Reverse proxies in front whose X-Forwarded-For the service trusts (the client address
    # the bad-token limiter counts by); 0 = the peer is the client.
    trusted_proxies: int = 0
    # A command on a record without If-Match is refused (428) rather than applied blind.
    require_if_match: bool = False

    @property
    def claim_lease(self) -> timedelta:
        """How long an idempotency claim in progress holds off a retry whose holder may live.

        A live request reaches its commit within a few connection waits (`db_timeout`, three
        with the store gate's probe) and one statement (`statement_timeout`); twice that, and
        at least a minute, outlasts it. A holder known dead is taken over at once, and the
        claim's fencing token refuses a late commit anyway (docs/reliability.md).
        """
        return timedelta(seconds=max(60, 2 * (3 * self.db_timeout + self.statement_timeout)))

    @property
    def reports_dir(self) -> Path:
        """Where `ledger report` writes the scheduled reports and the service reads them."""
        return self.data_dir / "reports"

    @property
    def embedded(self) -> bool:
        """The embedded PostgreSQL server (no LEDGER_DATABASE_URL) may generate its own master
        and signing keys, and prints the first administrator token; production may not."""
        return not self.database_url

    @property
    def processes(self) -> int:
        """Server processes: as told, else one per two CPUs.

        Half the CPUs, because a request is CPU-bound in its process and PostgreSQL's backends
        (often on the same host) need about as much again: on a 2-vCPU box shared with the
        database, two processes measured slower than one (docs/benchmarks.md).
        """
        return self.workers or max(1, (os.cpu_count() or 1) // 2)

    @property
    def store_url(self) -> str:
        """The database URL: LEDGER_DATABASE_URL, else the embedded PostgreSQL server's under the
        data directory, which this starts (or joins) on first use (ledger/store/embedded.py)."""
        if self.database_url:
            return self.database_url
        return embedded_database_url(self.data_dir)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ

        def integer(name: str, default: int, low: int, high: int) -> int:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise PolicyError(f"{name}: expected a whole number, got {raw!r}") from None
            if not low <= value <= high:
                raise PolicyError(f"{name}: must be between {low} and {high}, got {value}")
            return value

        def switch(name: str, *, default: bool) -> bool:
            raw = env.get(name, "").strip().lower()
            if not raw:
                return default
            if raw not in ("on", "off"):
                raise PolicyError(f"{name}: expected on or off, got {raw!r}")
            return raw == "on"

        smtp_tls = env.get("LEDGER_SMTP_TLS", "").strip() or "none"
        if smtp_tls not in ("none", "starttls", "tls"):
            raise PolicyError(f"LEDGER_SMTP_TLS: expected none, starttls or tls, got {smtp_tls!r}")
        policy = env.get("LEDGER_POLICY_FILE", "").strip()
        projections = env.get("LEDGER_PROJECTIONS", "").strip() or "inprocess"
        if projections not in ("inprocess", "off"):
            raise PolicyError(f"LEDGER_PROJECTIONS: expected inprocess or off, got {projections!r}")
        settings = cls(
            data_dir=Path(env.get("LEDGER_DATA_DIR", "").strip() or "var"),
            database_url=env.get("LEDGER_DATABASE_URL", "").strip(),
            host=env.get("LEDGER_HOST", "").strip() or "127.0.0.1",
            port=integer("LEDGER_PORT", 8000, 1, 65535),
            policy_file=Path(policy) if policy else None,
            max_body_bytes=integer("LEDGER_MAX_BODY_BYTES", 64 * 1024, 1024, 16 * 1024 * 1024),
            threads=integer("LEDGER_THREADS", 16, 1, 256),
            workers=integer("LEDGER_WORKERS", 0, 0, 64),
            auth_max_failures=integer("LEDGER_AUTH_MAX_FAILURES", 10, 1, 10_000),
            auth_failure_window_seconds=integer("LEDGER_AUTH_FAILURE_WINDOW", 60, 1, 86_400),
            oplog_retention_days=integer(
                "LEDGER_OPLOG_RETENTION_DAYS",
                OPLOG_RETENTION_FLOOR_DAYS,
                OPLOG_RETENTION_FLOOR_DAYS,
                100 * 366,
            ),
            projections=projections,
            group_commit=switch("LEDGER_GROUP_COMMIT", default=True),
            two_person_rule=switch("LEDGER_TWO_PERSON_RULE", default=True),
            master_key_settings={
                name: env[name]
                for name in (
                    "LEDGER_MASTER_KEY",
                    "LEDGER_PREVIOUS_MASTER_KEYS",
                    "LEDGER_MASTER_KEY_FILE",
                )
                if env.get(name, "").strip()
            },
            signing_key_settings={
                name: env[name]
                for name in ("LEDGER_SIGNING_KEY", "LEDGER_SIGNING_KEY_FILE")
                if env.get(name, "").strip()
            },
            checkpoint_interval=integer("LEDGER_CHECKPOINT_INTERVAL", 3600, 0, 7 * 24 * 3600),
            log_origin=log_origin(env.get("LEDGER_LOG_ORIGIN", "").strip()),
            witness_keys=witness_keys(env.get("LEDGER_WITNESS_KEYS", "")),
            retention_file=Path(r) if (r := env.get("LEDGER_RETENTION_FILE", "").strip()) else None,
            retention_interval=integer("LEDGER_RETENTION_INTERVAL", 0, 0, 366 * 24 * 3600),
            db_timeout=integer("LEDGER_DB_TIMEOUT", 5, 1, 300),
            statement_timeout=integer("LEDGER_STATEMENT_TIMEOUT", 30, 0, 3600),
            retry_after=integer("LEDGER_RETRY_AFTER", 5, 1, 3600),
            notify_interval=integer("LEDGER_NOTIFY_INTERVAL", 0, 0, 3600),
            notify_max_attempts=integer("LEDGER_NOTIFY_MAX_ATTEMPTS", 8, 1, 50),
            notify_first_retry=integer("LEDGER_NOTIFY_FIRST_RETRY", 60, 1, 86_400),
            public_url=env.get("LEDGER_PUBLIC_URL", "").strip() or "http://127.0.0.1:8000",
            smtp_host=env.get("LEDGER_SMTP_HOST", "").strip(),
            smtp_port=integer("LEDGER_SMTP_PORT", 25, 1, 65535),
            smtp_tls=smtp_tls,
            smtp_username=env.get("LEDGER_SMTP_USERNAME", "").strip(),
            smtp_password=env.get("LEDGER_SMTP_PASSWORD", ""),
            smtp_sender=env.get("LEDGER_SMTP_FROM", "").strip() or "ledger@localhost",
            console_idle_minutes=integer("LEDGER_CONSOLE_IDLE_MINUTES", 30, 1, 24 * 60),
            console_absolute_hours=integer("LEDGER_CONSOLE_ABSOLUTE_HOURS", 12, 1, 7 * 24),
            console_second_factor=switch("LEDGER_CONSOLE_SECOND_FACTOR", default=False),
            trusted_proxies=integer("LEDGER_TRUSTED_PROXIES", 0, 0, 16),
            require_if_match=switch("LEDGER_REQUIRE_IF_MATCH", default=False),
        )
        return settings


def log_origin(raw: str) -> str:
    """LEDGER_LOG_ORIGIN checked: a schema-less URL, as C2SP checkpoints want their origin."""
    if raw and (not is_valid_name(raw) or "://" in raw or raw.endswith("/")):
        raise PolicyError(
            "LEDGER_LOG_ORIGIN: expected a schema-less URL without spaces, plus signs or a "
            f"trailing slash (like ledger.example.com/complaints), got {raw!r}"
        )
    return raw


def witness_keys(raw: str) -> tuple[VerifierKey, ...]:
    """LEDGER_WITNESS_KEYS: verifier keys (name+hash+base64, type 0x04), comma or space apart."""
    keys = []
    for text in raw.replace(",", " ").split():
        try:
            key = parse_verifier_key(text)
        except NoteError as error:
            raise PolicyError(f"LEDGER_WITNESS_KEYS: {error}") from None
        if key.kind != COSIGNATURE_V1:
            raise PolicyError(
                f"LEDGER_WITNESS_KEYS: {key.name} is not a cosignature/v1 key (type 0x04)"
            )
        keys.append(key)
    return tuple(keys)
