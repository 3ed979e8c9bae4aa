"""The service against its own OpenAPI document, fuzzed by schemathesis with a real token per role.

Every operation gets generated requests, valid (positive) and invalid (negative), from each
role's bearer token, on ids that exist and ids that do not. Every answer must be documented
(status, content type, schema), never a 5xx; invalid input must be refused with a 4xx and valid
input accepted unless the role or the record's state refuses it. A stateful run then chains
operations through the links schemathesis infers from `Location` headers and ids.

The budget is fixed and derandomized for CI (`LEDGER_FUZZ_EXAMPLES`, a few per operation);
`make fuzz` runs the same tests with many more examples and steps.
"""

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

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

EXAMPLES = int(os.environ.get("LEDGER_FUZZ_EXAMPLES", "4"))
STEPS = int(os.environ.get("LEDGER_FUZZ_STEPS", "6"))
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
REFUSALS = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
CONFIG = {
    "generation": {"mode": "all"},
    "checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}},
}
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure report is enough
    suppress_health_check=list(HealthCheck),
)


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
            ),
            clock=ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC)),
        )
        yield Target(app)
        app.extensions["ledger"].close()


@pytest.fixture(scope="module")
def api_schema(target: Target) -> Any:
    return schemathesis.openapi.from_wsgi(
        "/openapi.json", target.app, config=SchemathesisConfig.from_dict(CONFIG)
    )


def fuzz(operation: Any, target: Target) -> None:
    """Run the generated requests of one operation; raises on the first failing one."""

    @given(
        case=operation.as_strategy(),
        role=st.integers(min_value=0, max_value=len(IDENTITIES) - 1),
        existing=st.booleans(),
    )
    @FUZZ_SETTINGS
    def run(case: Any, role: int, existing: bool) -> None:
        if case.query:
            # A cursor is an opaque token the service handed out; a made-up one is rightly refused.
            case.query.pop("cursor", None)
        if existing and case.path_parameters:
            for name in case.path_parameters:
                if name in target.ids:
                    case.path_parameters[name] = target.ids[name]
        case.call_and_validate(headers={"Authorization": f"Bearer {target.tokens[role]}"})

    run()


def test_every_operation_answers_every_role_as_documented(api_schema: Any, target: Target) -> None:
    # One test over all operations (schemathesis's own pytest parametrisation does not run
    # on this pytest); every operation runs, and the failures of all of them are reported.
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        try:
            fuzz(operation, target)
        except Exception as failure:  # collected: every operation runs, all are reported
            failures.append(f"{operation.method.upper()} {operation.path}\n{failure}")
    assert not failures, "\n\n".join(failures)


def test_linked_operations_answer_as_documented(api_schema: Any, target: Target) -> None:
    machine = api_schema.as_state_machine()
    token = target.tokens[IDENTITIES.index(ADMIN)]

    class Linked(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Bearer {token}"}}

    Linked.run(
        settings=settings(
            FUZZ_SETTINGS, max_examples=max(2, EXAMPLES // 2), stateful_step_count=STEPS
        )
    )
