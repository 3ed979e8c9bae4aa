"""The master keyring: from the environment, from a key file, its generation and rotation."""

import base64
import json
import stat
from pathlib import Path

import pytest

from privacy.keys.master_key import (
    MasterKeyError,
    MasterKeyring,
    add_key_to_file,
    generate_key,
    key_id_for,
    load_keyring,
    retire_keys_in_file,
)

KEY = bytes(range(32))
KEY_B64 = base64.b64encode(KEY).decode()
OLD_KEY = bytes(range(100, 132))
OLD_KEY_B64 = base64.b64encode(OLD_KEY).decode()


def write_key_file(path: Path, document: object, mode: int = 0o600) -> Path:
    path.write_text(json.dumps(document))
    path.chmod(mode)
    return path


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def load_file(path: Path) -> MasterKeyring:
    ring, _ = load_keyring(
        {"LEDGER_MASTER_KEY_FILE": str(path)}, path.parent, generate_if_missing=False
    )
    return ring


# -- the keyring -----------------------------------------------------------------------------


def test_key_id_is_a_short_hash_of_the_key() -> None:
    assert key_id_for(KEY) == key_id_for(bytes(range(32)))
    assert len(key_id_for(KEY)) == 16
    assert key_id_for(KEY) != key_id_for(OLD_KEY)


def test_generated_keys_are_random_aes_256_keys() -> None:
    assert len(generate_key()) == 32
    assert generate_key() != generate_key()


def test_keyring_finds_its_current_and_retiring_keys() -> None:
    ring = MasterKeyring("new", {"new": KEY, "old": OLD_KEY}, source="tests")
    assert ring.current() == ("new", KEY)
    assert ring.get("old") == OLD_KEY


def test_keyring_refuses_an_unknown_key_id() -> None:
    ring = MasterKeyring("new", {"new": KEY}, source="tests")
    with pytest.raises(MasterKeyError, match="no master key with id gone is configured"):
        ring.get("gone")


def test_keyring_refuses_a_current_id_it_does_not_hold() -> None:
    with pytest.raises(MasterKeyError, match="current master key"):
        MasterKeyring("new", {"old": OLD_KEY}, source="tests")


def test_keyring_repr_shows_no_key_material() -> None:
    ring = MasterKeyring("new", {"new": KEY}, source="tests")
    assert repr(KEY) not in repr(ring)


# -- from the environment --------------------------------------------------------------------


def test_environment_key_becomes_the_current_key(tmp_path: Path) -> None:
    ring, warning = load_keyring({"LEDGER_MASTER_KEY": KEY_B64}, tmp_path, generate_if_missing=True)
    assert ring.current() == (key_id_for(KEY), KEY)
    assert ring.source == "environment"
    assert warning is None
    assert not (tmp_path / "master.key").exists()


def test_environment_key_wins_over_a_key_file(tmp_path: Path) -> None:
    environ = {"LEDGER_MASTER_KEY": KEY_B64, "LEDGER_MASTER_KEY_FILE": str(tmp_path / "absent")}
    ring, _ = load_keyring(environ, tmp_path, generate_if_missing=False)
    assert ring.current_id == key_id_for(KEY)


def test_previous_keys_are_kept_for_unwrapping(tmp_path: Path) -> None:
    environ = {
        "LEDGER_MASTER_KEY": KEY_B64,
        "LEDGER_PREVIOUS_MASTER_KEYS": f" {OLD_KEY_B64} ,,{KEY_B64}",
    }
    ring, _ = load_keyring(environ, tmp_path, generate_if_missing=False)
    assert ring.current_id == key_id_for(KEY)
    assert dict(ring.keys) == {key_id_for(KEY): KEY, key_id_for(OLD_KEY): OLD_KEY}


def test_previous_keys_without_a_current_key_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match="LEDGER_MASTER_KEY is not"):
        load_keyring(
            {"LEDGER_PREVIOUS_MASTER_KEYS": OLD_KEY_B64}, tmp_path, generate_if_missing=True
        )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (base64.b64encode(KEY[:16]).decode(), "must be 32 bytes, not 16"),
        (base64.b64encode(KEY + b"x").decode(), "must be 32 bytes, not 33"),
        (KEY_B64.rstrip("="), "not valid base64"),
        (KEY_B64[:-1] + "!", "not valid base64"),
        (base64.urlsafe_b64encode(b"\xff" * 32).decode(), "not valid base64"),
        ("钥匙" * 22, "not valid base64"),
    ],
)
def test_malformed_environment_key_is_refused_without_showing_it(
    tmp_path: Path, value: str, message: str
) -> None:
    with pytest.raises(MasterKeyError, match=message) as raised:
        load_keyring({"LEDGER_MASTER_KEY": value}, tmp_path, generate_if_missing=True)
    assert "LEDGER_MASTER_KEY" in str(raised.value)
    assert value not in str(raised.value)
    assert value[:8] not in str(raised.value)


def test_malformed_previous_key_is_refused_without_showing_it(tmp_path: Path) -> None:
    bad = base64.b64encode(OLD_KEY[:31]).decode()
    environ = {"LEDGER_MASTER_KEY": KEY_B64, "LEDGER_PREVIOUS_MASTER_KEYS": f"{OLD_KEY_B64},{bad}"}
    with pytest.raises(MasterKeyError, match="key 2 of LEDGER_PREVIOUS_MASTER_KEYS") as raised:
        load_keyring(environ, tmp_path, generate_if_missing=False)
    assert bad not in str(raised.value)
    assert OLD_KEY_B64 not in str(raised.value)
    assert KEY_B64 not in str(raised.value)


# -- from a key file -------------------------------------------------------------------------


def test_missing_key_file_is_generated_private_with_a_warning(tmp_path: Path) -> None:
    data_dir = tmp_path / "var" / "data"
    ring, warning = load_keyring({}, data_dir, generate_if_missing=True)
    path = data_dir / "master.key"
    assert file_mode(path) == 0o600
    assert warning == (
        f"generated a master key at {path}; production must supply its own "
        "(LEDGER_MASTER_KEY or LEDGER_MASTER_KEY_FILE)"
    )
    assert ring.source == str(path)
    assert ring.current_id == key_id_for(ring.current()[1])
    assert list(tmp_path.rglob("*.tmp")) == []


def test_generated_key_file_is_reused_on_the_next_load(tmp_path: Path) -> None:
    first, _ = load_keyring({}, tmp_path, generate_if_missing=True)
    second, warning = load_keyring({}, tmp_path, generate_if_missing=True)
    assert second.current() == first.current()
    assert warning is None


def test_key_file_named_in_the_environment_is_used(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "ledger.key"
    ring, _ = load_keyring(
        {"LEDGER_MASTER_KEY_FILE": str(path)}, tmp_path, generate_if_missing=True
    )
    assert path.exists()
    assert not (tmp_path / "master.key").exists()
    assert load_file(path).current() == ring.current()


def test_missing_key_file_is_refused_when_not_generating(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match="does not exist"):
        load_keyring({}, tmp_path, generate_if_missing=False)
    assert not (tmp_path / "master.key").exists()


def test_key_file_holds_current_and_retiring_keys(tmp_path: Path) -> None:
    document = {
        "current": key_id_for(KEY),
        "keys": {key_id_for(OLD_KEY): OLD_KEY_B64, key_id_for(KEY): KEY_B64},
    }
    ring = load_file(write_key_file(tmp_path / "master.key", document))
    assert ring.current() == (key_id_for(KEY), KEY)
    assert ring.get(key_id_for(OLD_KEY)) == OLD_KEY


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_key_file_open_to_others_is_refused(tmp_path: Path, mode: int) -> None:
    document = {"current": key_id_for(KEY), "keys": {key_id_for(KEY): KEY_B64}}
    path = write_key_file(tmp_path / "master.key", document, mode)
    with pytest.raises(MasterKeyError, match="open to group or others") as raised:
        load_file(path)
    assert KEY_B64 not in str(raised.value)


VALID_ID = key_id_for(KEY)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([VALID_ID, KEY_B64], "expected"),
        ({"keys": {VALID_ID: KEY_B64}}, "expected"),
        ({"current": VALID_ID, "keys": [KEY_B64]}, "expected"),
        ({"current": VALID_ID, "keys": {VALID_ID: 42}}, "expected"),
        ({"current": VALID_ID, "keys": {}}, "is not in its keys"),
        (
            {"current": VALID_ID, "keys": {VALID_ID: base64.b64encode(KEY + b"abc").decode()}},
            "must be 32 bytes, not 35",
        ),
        ({"current": VALID_ID, "keys": {VALID_ID: KEY_B64[:-2]}}, "not valid base64"),
        ({"current": "0123456789abcdef", "keys": {"0123456789abcdef": KEY_B64}}, "does not match"),
        ({"current": key_id_for(OLD_KEY), "keys": {VALID_ID: KEY_B64}}, "is not in its keys"),
    ],
)
def test_malformed_key_file_is_refused_without_showing_keys(
    tmp_path: Path, document: object, message: str
) -> None:
    path = write_key_file(tmp_path / "master.key", document)
    with pytest.raises(MasterKeyError, match=message) as raised:
        load_file(path)
    assert str(path) in str(raised.value)
    assert KEY_B64[:-2] not in str(raised.value)


@pytest.mark.parametrize("content", [b"", b"{not json", KEY_B64.encode(), b"\xff\xfe" + KEY])
def test_key_file_that_is_not_json_is_refused_without_showing_it(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "master.key"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(MasterKeyError, match="is not valid JSON") as raised:
        load_file(path)
    assert KEY_B64[:8] not in str(raised.value)


def test_key_file_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "master.key").mkdir()
    with pytest.raises(MasterKeyError, match="not a regular file"):
        load_keyring({}, tmp_path, generate_if_missing=True)


# -- rotation --------------------------------------------------------------------------------


def test_added_key_becomes_current_and_the_old_one_stays(tmp_path: Path) -> None:
    old, _ = load_keyring({}, tmp_path, generate_if_missing=True)
    path = tmp_path / "master.key"
    new_id = add_key_to_file(path)
    ring = load_file(path)
    assert new_id != old.current_id
    assert ring.current_id == new_id
    assert ring.get(old.current_id) == old.current()[1]
    assert file_mode(path) == 0o600
    assert list(tmp_path.glob("*.tmp")) == []


def test_retiring_removes_old_keys_and_keeps_the_current_one(tmp_path: Path) -> None:
    old, _ = load_keyring({}, tmp_path, generate_if_missing=True)
    path = tmp_path / "master.key"
    new_id = add_key_to_file(path)
    assert retire_keys_in_file(path, keep=[]) == [old.current_id]
    ring = load_file(path)
    assert list(ring.keys) == [new_id]
    assert file_mode(path) == 0o600


def test_retiring_keeps_keys_still_in_use(tmp_path: Path) -> None:
    first, _ = load_keyring({}, tmp_path, generate_if_missing=True)
    path = tmp_path / "master.key"
    second_id = add_key_to_file(path)
    third_id = add_key_to_file(path)
    assert retire_keys_in_file(path, keep={second_id}) == [first.current_id]
    assert set(load_file(path).keys) == {second_id, third_id}


def test_retiring_nothing_leaves_the_file_alone(tmp_path: Path) -> None:
    load_keyring({}, tmp_path, generate_if_missing=True)
    path = tmp_path / "master.key"
    before = path.read_bytes()
    assert retire_keys_in_file(path, keep=[]) == []
    assert path.read_bytes() == before


def test_rotating_a_missing_key_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match="does not exist"):
        add_key_to_file(tmp_path / "master.key")
