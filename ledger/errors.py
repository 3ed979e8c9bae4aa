"""The ledger's error tree.

    LedgerError
    ├── DomainError            a command the business rules refuse (HTTP 409)
    │   └── InvalidValueError  a value no command takes, whatever the record's state (HTTP 422)
    ├── NotFoundError          no such record (HTTP 404)
    ├── ConcurrencyError       another write to the same record won the race (HTTP 409)
    ├── DuplicateRequestError  another request with the same Idempotency-Key was stored first
    └── PolicyError            a policy/configuration value is invalid (refused at start)

Messages never carry personal data: they name fields and states, not values.
"""


class LedgerError(Exception):
    """Base class of every error the ledger raises on purpose."""


class DomainError(LedgerError):
    """A command that the business rules forbid in the record's current state."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidValueError(DomainError):
    """A value outside the ledger's vocabulary (an unknown category, level or department)."""


class NotFoundError(LedgerError):
    """The record a command or query names does not exist."""


class ConcurrencyError(LedgerError):
    """A concurrent write to the same record was stored first; reload and retry."""


class DuplicateRequestError(LedgerError):
    """Another request with the same Idempotency-Key was stored first; nothing was stored.

    Not a `ConcurrencyError`: retrying the save (as registration does for a reference
    collision) cannot succeed; the caller answers with what the first request recorded.
    `key` is the (scope, key) taken, when the store named it.
    """

    def __init__(self, message: str, key: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.key = key


class PolicyError(LedgerError):
    """A policy or configuration value is invalid."""
