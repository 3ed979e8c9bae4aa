"""The master keyring: the keys that wrap every data subject's data key.

Where the keys come from, first match wins:

    LEDGER_MASTER_KEY (+ LEDGER_PREVIOUS_MASTER_KEYS)   base64 keys in the environment
    LEDGER_MASTER_KEY_FILE, else <data dir>/master.key  {"current": id, "keys": {id: base64}}

Rotation with a key file: `add_key_to_file` makes a new key current and keeps the old ones for
unwrapping; once every data key is re-wrapped, `retire_keys_in_file` drops the unused ones.
Errors are `MasterKeyError` with a one-line message that never contains key material.
"""

import base64
import binascii
import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

KEY_BYTES = 32
_ID_PREFIX = b"ledger-master-key:"


class MasterKeyError(Exception):
    """A master key is missing, malformed or does not match."""


@dataclass(frozen=True)
class MasterKeyring:
    """The current master key and any retiring ones, by id."""

    current_id: str
    keys: Mapping[str, bytes] = field(repr=False)
    source: str

    def __post_init__(self) -> None:
        if self.current_id not in self.keys:
            raise MasterKeyError(
                f"the current master key {self.current_id} is not in {self.source}"
            )
        if any(len(key) != KEY_BYTES for key in self.keys.values()):
            raise MasterKeyError(f"every master key from {self.source} must be {KEY_BYTES} bytes")

    def current(self) -> tuple[str, bytes]:
        """The id and key that new wrappings use."""
        return self.current_id, self.keys[self.current_id]

    def get(self, key_id: str) -> bytes:
        """The key with this id, current or retiring."""
        try:
            return self.keys[key_id]
        except KeyError:
            raise MasterKeyError(
                f"no master key with id {key_id} is configured (keys from {self.source})"
            ) from None


def key_id_for(key: bytes) -> str:
    """A short public name for a key; safe to store and log."""
    return hashlib.sha256(_ID_PREFIX + key).hexdigest()[:16]


def generate_key() -> bytes:
    """A new random AES-256 key."""
    return os.urandom(KEY_BYTES)


def load_keyring(
    environ: Mapping[str, str], data_dir: Path, *, generate_if_missing: bool
) -> tuple[MasterKeyring, str | None]:
    """The keyring from the settings, and a warning when a development key was generated."""
    if environ.get("LEDGER_MASTER_KEY", "").strip():
        return _keyring_from_environment(environ), None
    if environ.get("LEDGER_PREVIOUS_MASTER_KEYS", "").strip():
        raise MasterKeyError("LEDGER_PREVIOUS_MASTER_KEYS is set but LEDGER_MASTER_KEY is not")
    configured = environ.get("LEDGER_MASTER_KEY_FILE", "").strip()
    path = Path(configured) if configured else data_dir / "master.key"
    if path.exists() or not generate_if_missing:
        return _read_key_file(path), None
    key = generate_key()
    ring = MasterKeyring(key_id_for(key), MappingProxyType({key_id_for(key): key}), str(path))
    if not _create_key_file(path, ring):  # another process created it first: use theirs
        return _read_key_file(path), None
    return ring, (
        f"generated a master key at {path}; production must supply its own "
        "(LEDGER_MASTER_KEY or LEDGER_MASTER_KEY_FILE)"
    )


def add_key_to_file(path: Path) -> str:
    """Rotation step 1: add a new key to the file's ring and make it current; return its id."""
    ring = _read_key_file(path)
    key = generate_key()
    new_id = key_id_for(key)
    keys = {**ring.keys, new_id: key}
    _replace_key_file(path, MasterKeyring(new_id, MappingProxyType(keys), str(path)))
    return new_id


def retire_keys_in_file(path: Path, keep: Iterable[str]) -> list[str]:
    """Remove every key that is neither current nor in `keep`; return the removed ids."""
    ring = _read_key_file(path)
    kept = {*keep, ring.current_id}
    removed = [key_id for key_id in ring.keys if key_id not in kept]
    if removed:
        keys = {key_id: key for key_id, key in ring.keys.items() if key_id in kept}
        _replace_key_file(path, MasterKeyring(ring.current_id, MappingProxyType(keys), str(path)))
    return removed


# -- decoding --------------------------------------------------------------------------------


def _decode_key(text: str, where: str) -> bytes:
    """A key from standard padded base64; the message names `where`, never the text."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(f"{where} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise MasterKeyError(f"{where} must be {KEY_BYTES} bytes, not {len(key)}")
    return key


def _keyring_from_environment(environ: Mapping[str, str]) -> MasterKeyring:
    current = _decode_key(environ["LEDGER_MASTER_KEY"], "LEDGER_MASTER_KEY")
    keys = {key_id_for(current): current}
    previous = environ.get("LEDGER_PREVIOUS_MASTER_KEYS", "").split(",")
    for number, text in enumerate(previous, start=1):
        if text.strip():
            key = _decode_key(text, f"key {number} of LEDGER_PREVIOUS_MASTER_KEYS")
            keys.setdefault(key_id_for(key), key)
    return MasterKeyring(key_id_for(current), MappingProxyType(keys), "environment")


def _read_key_file(path: Path) -> MasterKeyring:
    try:
        status = path.stat()
    except FileNotFoundError:
        raise MasterKeyError(f"master key file {path} does not exist") from None
    except OSError as error:
        raise MasterKeyError(f"cannot read master key file {path}: {error.strerror}") from None
    if not stat.S_ISREG(status.st_mode):
        raise MasterKeyError(f"master key file {path} is not a regular file")
    if os.name == "posix" and status.st_mode & 0o077:
        raise MasterKeyError(
            f"master key file {path} is open to group or others "
            f"(mode {stat.S_IMODE(status.st_mode):04o}); run chmod 600 {path}"
        )
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as error:
        raise MasterKeyError(f"cannot read master key file {path}: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):  # their messages may quote the content
        raise MasterKeyError(f"master key file {path} is not valid JSON") from None
    return _keyring_from_document(document, path)


def _keyring_from_document(document: object, path: Path) -> MasterKeyring:
    shape = 'expected {"current": "<id>", "keys": {"<id>": "<base64 key>"}}'
    if not isinstance(document, dict):
        raise MasterKeyError(f"master key file {path}: {shape}")
    current, encoded = document.get("current"), document.get("keys")
    if not isinstance(current, str) or not isinstance(encoded, dict):
        raise MasterKeyError(f"master key file {path}: {shape}")
    keys: dict[str, bytes] = {}
    for key_id, text in encoded.items():
        if not isinstance(text, str):
            raise MasterKeyError(f"master key file {path}: {shape}")
        key = _decode_key(text, f"key {key_id} in master key file {path}")
        if key_id_for(key) != key_id:
            raise MasterKeyError(f"key {key_id} in master key file {path} does not match its id")
        keys[key_id] = key
    if current not in keys:
        raise MasterKeyError(f"master key file {path}: current key {current} is not in its keys")
    return MasterKeyring(current, MappingProxyType(keys), str(path))


# -- writing ---------------------------------------------------------------------------------


def _encode(ring: MasterKeyring) -> bytes:
    keys = {key_id: base64.b64encode(key).decode("ascii") for key_id, key in ring.keys.items()}
    return (json.dumps({"current": ring.current_id, "keys": keys}, indent=2) + "\n").encode()


def _write_temporary(path: Path, ring: MasterKeyring) -> Path:
    """A complete, synced copy next to `path`, created O_EXCL with mode 0600 (by mkstemp)."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(_encode(ring))
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _sync_directory(directory: Path) -> None:
    if os.name == "posix":  # make the rename durable
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _create_key_file(path: Path, ring: MasterKeyring) -> bool:
    """Create `path` whole or not at all; False if it already exists."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = _write_temporary(path, ring)
        try:
            os.link(temporary, path)  # unlike os.replace, never overwrites an existing file
        except FileExistsError:
            return False
        finally:
            temporary.unlink(missing_ok=True)
        _sync_directory(path.parent)
    except OSError as error:
        raise MasterKeyError(f"cannot create master key file {path}: {error.strerror}") from None
    return True


def _replace_key_file(path: Path, ring: MasterKeyring) -> None:
    try:
        temporary = _write_temporary(path, ring)
        try:
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        _sync_directory(path.parent)
    except OSError as error:
        raise MasterKeyError(f"cannot write master key file {path}: {error.strerror}") from None
