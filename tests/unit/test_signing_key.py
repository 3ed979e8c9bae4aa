"""The checkpoint signing key is found like the master key: configured, or generated if embedded."""

import base64
from pathlib import Path

import pytest

from api.config import Settings
from ledger.errors import PolicyError
from ledger.integrity.signing_key import SigningKeyError, load_signing_key
from tests.conftest import TEST_SIGNING_KEY_B64


def test_the_embedded_default_generates_a_private_key_file_once(tmp_path: Path) -> None:
    key, warning = load_signing_key({}, tmp_path, generate_if_missing=True)
    again, second_warning = load_signing_key({}, tmp_path, generate_if_missing=True)
    assert warning and "production must supply its own" in warning and second_warning is None
    assert (tmp_path / "signing.key").stat().st_mode & 0o777 == 0o600
    assert again.public_key() == key.public_key()


def test_production_without_a_signing_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="does not exist"):
        load_signing_key({}, tmp_path, generate_if_missing=False)


def test_a_key_from_the_environment_is_used(tmp_path: Path) -> None:
    key, _ = load_signing_key(
        {"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64}, tmp_path, generate_if_missing=False
    )
    assert key.private_bytes_raw() == base64.b64decode(TEST_SIGNING_KEY_B64)


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_malformed_key_is_refused_without_quoting_it(tmp_path: Path, value: str) -> None:
    with pytest.raises(PolicyError) as refused:
        load_signing_key({"LEDGER_SIGNING_KEY": value}, tmp_path, generate_if_missing=False)
    assert value not in str(refused.value)


def test_a_key_file_open_to_others_is_refused(tmp_path: Path) -> None:
    load_signing_key({}, tmp_path, generate_if_missing=True)
    (tmp_path / "signing.key").chmod(0o644)
    with pytest.raises(SigningKeyError, match="chmod 600"):
        load_signing_key({}, tmp_path, generate_if_missing=True)


def test_the_checkpoint_interval_is_read_from_the_environment() -> None:
    assert Settings.from_env({"LEDGER_CHECKPOINT_INTERVAL": "60"}).checkpoint_interval == 60
    assert Settings.from_env({}).checkpoint_interval == 3600
    with pytest.raises(PolicyError, match="LEDGER_CHECKPOINT_INTERVAL"):
        Settings.from_env({"LEDGER_CHECKPOINT_INTERVAL": "-1"})
