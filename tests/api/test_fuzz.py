"""The service against its own OpenAPI document, run through every phase of schemathesis's engine.

The engine runs the document's examples, the coverage phase (the edges of every schema, and
methods an address does not take), fuzzing (valid and invalid data) and the stateful phase
(operations chained through the links inferred from `Location` headers and ids), with every
check on: no 5xx, every status, content type, schema and header as documented, invalid input
refused with a 4xx and valid input accepted unless the role or the record's state refuses it,
405 with `Allow`, no access without a token.

Each request carries the token of one of several roles in turn (so that writes get past
authorisation as often as they are refused), and every other request on a path that names a
record is pointed at a record that exists. The budget is small and derandomized for the suite
(`LEDGER_FUZZ_EXAMPLES`, `LEDGER_FUZZ_STEPS`); `make fuzz` runs the same test at length.
"""

import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from schemathesis.generation.meta import CoverageScenario
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER
from schemathesis.transport.wsgi import WSGITransport

from api.app import create_app
from api.config import Settings
from ledger.clock import ManualClock
from tests.api.conftest import (
    ADMIN,
    AGENT,
    COMPLIANCE_OFFICER,
    EXECUTIVE,
    INCIDENT_MANAGER,
    MANAGER,
    NEW_COMPLAINT,
    PRIVACY_OFFICER,
    SUPERVISOR,
    TECHNICIAN,
    issue_token,
    ok,
)
from tests.conftest import TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64, fresh_schema_url
from tests.identities import principal_of

EXAMPLES = int(os.environ.get("LEDGER_FUZZ_EXAMPLES", "2"))
STEPS = int(os.environ.get("LEDGER_FUZZ_STEPS", "4"))
IDENTITIES = (
    AGENT,
    SUPERVISOR,
    MANAGER,
    TECHNICIAN,
    INCIDENT_MANAGER,
    PRIVACY_OFFICER,
    ADMIN,
    EXECUTIVE,
    COMPLIANCE_OFFICER,
)
# What an invalid request may get besides schemathesis's defaults: 413 for a body over the
# configured limit is a refusal too.
REFUSALS = [400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429]
_OR_422 = ["2xx", 401, 403, 404, 409, 412, 422, 429, "5xx"]
PHASES = ("examples", "coverage", "fuzzing", "stateful")


def _config() -> dict[str, Any]:
    return {
        "workers": 1,
        # No replay of an earlier run's findings: each run is the same, derandomized run.
        "cache": {"enabled": False},
        "generation": {
            "mode": "all",
            "max-examples": EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        "checks": {
            "enabled": True,
            "negative_data_rejection": {"expected-statuses": REFUSALS},
            # Valid data may still be refused by the record's state: 409, or 412 for an
            # If-Match that names another version, or
            # 410 for a person who was erased (an access export after an erasure).
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 410, 412, 429, "5xx"]
            },
        },
        "operations": [
            {
                # OpenAPI 3.0 cannot say that query parameters go together (stream_id with
                # version, or notification_id alone); their descriptions say it, and the
                # service refuses any other combination (422).
                "include-path": "/v1/integrity/proofs/inclusion",
                "checks": {"positive_data_acceptance": {"expected-statuses": _OR_422}},
            },
            {
                # No schema can say which signature lines verify with a witness's key: one
                # that does not is refused (422).
                "include-path": "/v1/integrity/checkpoints/{number}/cosignatures",
                "checks": {"positive_data_acceptance": {"expected-statuses": _OR_422}},
            },
        ],
        "phases": {
            "examples": {"enabled": True, "fill-missing": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": True, "max-steps": STEPS},
        },
    }


class Target:
    """One service for the whole module, with a token per role and one record of each kind."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.tokens = [issue_token(app, principal_of(identity)) for identity in IDENTITIES]
        client = app.test_client()
        complaint = ok(client.post("/v1/complaints", json=NEW_COMPLAINT, headers=AGENT), 201)
        incident = ok(
            client.post(
                "/v1/incidents",
                json={"title": "Parcel scanner outage", "description": "Scanners down in hub 3"},
                headers=INCIDENT_MANAGER,
            ),
            201,
        )
        self.ids = {
            "complaint": complaint["id"],
            "incident": incident["id"],
            "subject": complaint["customer"]["subject_id"],
            "department": "service",
        }
        self._turn = itertools.count()
        self._roles = itertools.cycle(self.tokens)

    def next_token(self) -> str:
        """The token of the next role in turn (schemathesis's auth checks take it away)."""
        return next(self._roles)

    def prepare(self, case: Any, kwargs: dict[str, Any]) -> None:
        """Before each call: a fresh idempotency key, and every other time, ids of records
        that exist."""
        turn = next(self._turn)
        if case.headers and "Idempotency-Key" in case.headers:
            # A key is the client's promise of one request: a generated key reused for another
            # request is rightly refused (422), so each request gets its own.
            # Cut to leave room for the turn within the documented 255 characters.
            case.headers["Idempotency-Key"] = f"{case.headers['Idempotency-Key'][:240]}-{turn}"
        if case.query:
            # A cursor is an opaque token the service handed out; a made-up one is rightly refused.
            case.query.pop("cursor", None)
        if turn % 2 and case.path_parameters and case.meta and case.meta.phase.name != "stateful":
            for name in case.path_parameters:
                if name in self.ids:
                    case.path_parameters[name] = self.ids[name]


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The service on a schema of its own (PostgreSQL refuses some text, a NUL byte say)."""
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    with fresh_schema_url() as database_url:
        app = create_app(
            Settings(
                data_dir=data_dir,
                database_url=database_url,
                master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
                signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
                # One address sends thousands of bad tokens on purpose: no 429 for it.
                auth_max_failures=10_000,
            ),
            clock=ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC)),
        )
        yield Target(app)
        app.extensions["ledger"].close()


def _failures(finished: events.ScenarioFinished) -> list[str]:
    return [
        f"[{finished.phase.value}] {finished.recorder.label}: {check.name}: "
        f"{check.failure_info.failure.title if check.failure_info else ''} {check.failure_info.failure.message if check.failure_info else ''}\n"
        f"{check.failure_info.code_sample if check.failure_info else ''}"
        for checks in finished.recorder.checks.values()
        for check in checks
        if check.status == Status.FAILURE
    ]


@pytest.fixture
def wsgi_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    """Schemathesis 4.32 hands its in-process WSGI transport the network-only options of
    `requests` (`max_redirects`, ...) on the calls it makes without a session (the extra
    requests of its checks), and Werkzeug's test client refuses them: drop them there."""
    send = WSGITransport.send

    def without_network_options(self: Any, case: Any, **kwargs: Any) -> Any:
        for network_only in ("max_redirects", "verify", "cert", "proxies"):
            kwargs.pop(network_only, None)
        return send(self, case, **kwargs)

    monkeypatch.setattr(WSGITransport, "send", without_network_options)


@pytest.mark.usefixtures("wsgi_transport")
def test_every_phase_of_schemathesis_finds_no_failure(target: Target) -> None:
    schema = schemathesis.openapi.from_wsgi(
        "/openapi.json", target.app, config=SchemathesisConfig.from_dict(_config())
    )

    @schema.auth(refresh_interval=None)
    class Roles:
        def get(self, case: Any, context: Any) -> str:
            return target.next_token()

        def set(self, case: Any, token: str, context: Any) -> None:
            data = case.meta.phase.data if case.meta else None
            if getattr(data, "scenario", None) == CoverageScenario.MISSING_PARAMETER and (
                str(getattr(data, "parameter", "")).lower() == "authorization"
            ):
                return  # the coverage phase's request without a token: it must be 401
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
        target.prepare(case, kwargs)

    # The hook can only be global: registered for this run, and removed after it.
    schemathesis.hook(before_call)
    failures: list[str] = []
    phases_run: set[str] = set()
    errors: list[str] = []
    try:
        for event in schemathesis.engine.from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                phases_run.add(event.phase.value)
                failures.extend(_failures(event))
            elif isinstance(event, events.NonFatalError | events.FatalError):
                errors.append(f"{getattr(event, 'label', '')}: {getattr(event, 'info', event)}")
    finally:
        GLOBAL_HOOK_DISPATCHER.unregister(before_call)
    assert errors == [], "\n".join(errors[:5])
    assert failures == [], f"{len(failures)} failures:\n\n" + "\n\n".join(failures[:30])
    assert {phase.lower() for phase in phases_run} >= {
        "examples",
        "coverage",
        "fuzzing",
        "stateful",
    }
