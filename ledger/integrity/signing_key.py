"""The checkpoint signing key, found like the master key (`privacy.keys.master_key`).

    LEDGER_SIGNING_KEY           base64 of the 32-byte Ed25519 private key (seed)
    LEDGER_SIGNING_KEY_FILE      a PEM (PKCS #8) file, else <data dir>/signing.key

The embedded default generates <data dir>/signing.key (mode 0600) on first use; production must
supply its own. Errors are `SigningKeyError`, one line, never with key material.
"""

import base64
import binascii
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import PolicyError


class SigningKeyError(PolicyError):
    """The signing key is missing or malformed."""


def load_signing_key(
    environ: Mapping[str, str], data_dir: Path, *, generate_if_missing: bool
) -> tuple[Ed25519PrivateKey, str | None]:
    """The key from the settings, and a warning when a development key was generated."""
    text = environ.get("LEDGER_SIGNING_KEY", "").strip()
    if text:
        try:
            seed = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise SigningKeyError("LEDGER_SIGNING_KEY is not valid base64") from None
        if len(seed) != 32:
            raise SigningKeyError(f"LEDGER_SIGNING_KEY must be 32 bytes, not {len(seed)}")
        return Ed25519PrivateKey.from_private_bytes(seed), None
    configured = environ.get("LEDGER_SIGNING_KEY_FILE", "").strip()
    path = Path(configured) if configured else data_dir / "signing.key"
    if path.exists() or not generate_if_missing:
        return _read(path), None
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return _read(path), None
    except OSError as error:
        raise SigningKeyError(f"cannot create signing key file {path}: {error.strerror}") from None
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
        file.flush()
        os.fsync(file.fileno())
    return key, (
        f"generated a checkpoint signing key at {path}; production must supply its own "
        "(LEDGER_SIGNING_KEY or LEDGER_SIGNING_KEY_FILE)"
    )


def _read(path: Path) -> Ed25519PrivateKey:
    try:
        status = path.stat()
        if os.name == "posix" and status.st_mode & 0o077:
            raise SigningKeyError(
                f"signing key file {path} is open to group or others "
                f"(mode {stat.S_IMODE(status.st_mode):04o}); run chmod 600 {path}"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise SigningKeyError(f"signing key file {path} does not exist") from None
    except OSError as error:
        raise SigningKeyError(f"cannot read signing key file {path}: {error.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise SigningKeyError(f"signing key file {path} is not an unencrypted PEM key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"signing key file {path} does not hold an Ed25519 key")
    return key
