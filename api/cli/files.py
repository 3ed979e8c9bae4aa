"""Reading the files a user names on the `ledger` command line."""

from pathlib import Path

from ledger.errors import LedgerError


def read_text(path: Path) -> str:
    """The file's text; a missing, unreadable or binary file is one line naming it (exit 2)."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise LedgerError(f"{path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        # The codec's own message (byte offsets, "invalid start byte") tells a user nothing more.
        raise LedgerError(f"{path}: not UTF-8 text") from None
