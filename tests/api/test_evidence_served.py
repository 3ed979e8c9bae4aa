"""A bundle exported from `ledger serve` on PostgreSQL checks out with both verifiers."""

import sys
import urllib.request
from pathlib import Path

from ledger.integrity.public_keys import load_public_key
from tests import forked
from tests.api.conftest import COMPLIANCE_OFFICER
from tests.evidence import independent_verifier
from tests.evidence.scenario import full_case
from tests.identities import with_bearer
from tests.served import serve


def test_a_bundle_from_the_running_service_verifies_with_the_cli_and_the_independent_verifier(
    tmp_path: Path, database_url: str
) -> None:
    with serve(tmp_path / "served", database_url) as served:
        case = full_case(
            lambda method, path, body, headers: served.call(method, path, body, headers)[:2]
        )
        request = urllib.request.Request(
            f"{served.base}/v1/integrity/evidence/{case['complaint']['reference']}", method="POST"
        )
        for name, value in with_bearer(COMPLIANCE_OFFICER, served.tokens).items():
            request.add_header(name, value)
        with urllib.request.urlopen(request, timeout=30) as response:
            bundle = response.read()
        status, key_document, _ = served.call(
            "GET", "/v1/integrity/public-key", None, COMPLIANCE_OFFICER
        )
        assert status == 200
    (tmp_path / "case.tar").write_bytes(bundle)
    (tmp_path / "ledger.pub").write_text(key_document["pem"])
    verified = forked.run(
        [
            sys.executable,
            "-m",
            "api.cli",
            "evidence",
            "verify",
            str(tmp_path / "case.tar"),
            "--key",
            str(tmp_path / "ledger.pub"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.rstrip().endswith("VERIFIED")
    checked = independent_verifier.verify(bundle, load_public_key(key_document["pem"]))
    assert checked["streams"] == 4 and checked["events"] >= 10
