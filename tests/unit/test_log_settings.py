"""The log's settings: its C2SP origin and the witnesses whose cosignatures it accepts."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.config import Settings
from ledger.errors import PolicyError
from ledger.integrity.note import COSIGNATURE_V1, verifier_key


def test_the_log_origin_and_witness_keys_are_read_from_the_environment() -> None:
    key = Ed25519PrivateKey.generate().public_key()
    witness = verifier_key("w1.example.org", key, COSIGNATURE_V1)
    settings = Settings.from_env(
        {"LEDGER_LOG_ORIGIN": "ledger.example.com/complaints", "LEDGER_WITNESS_KEYS": witness}
    )
    assert settings.log_origin == "ledger.example.com/complaints"
    assert [(w.name, w.key) for w in settings.witness_keys] == [("w1.example.org", key)]


@pytest.mark.parametrize(
    "origin", ["https://ledger.example.com", "ledger.example.com/", "a b", "a+b"]
)
def test_a_log_origin_that_is_not_a_schema_less_url_is_refused(origin: str) -> None:
    with pytest.raises(PolicyError, match="LEDGER_LOG_ORIGIN"):
        Settings.from_env({"LEDGER_LOG_ORIGIN": origin})


def test_a_log_signing_key_is_not_taken_as_a_witness_key() -> None:
    log_key = verifier_key("log.example.org", Ed25519PrivateKey.generate().public_key())
    with pytest.raises(PolicyError, match="not a cosignature/v1 key"):
        Settings.from_env({"LEDGER_WITNESS_KEYS": log_key})
