"""The policy table covers every endpoint, and an endpoint without a row refuses everyone."""

from flask import Flask
from flask.testing import FlaskClient
from flask_smorest import Blueprint

from api.console.guard import PUBLIC, SESSION_ONLY
from ledger.access.console_views import CONSOLE_VIEWS
from ledger.access.policy import POLICY, ROLES
from tests.api.conftest import ADMIN, AGENT, PRIVACY_OFFICER


def _v1_endpoints(app: Flask) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/v1/")}


def _console_views(app: Flask) -> set[str]:
    """The console's views that act on records (sign-in, preferences and files need none)."""
    return {
        r.endpoint
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/console/")
        and r.endpoint not in SESSION_ONLY | PUBLIC | {"console.static"}
    }


def test_every_v1_endpoint_has_a_row_in_the_policy_table(app: Flask) -> None:
    assert sorted(_v1_endpoints(app) - set(POLICY)) == []


def test_the_policy_table_names_no_endpoint_that_does_not_exist(app: Flask) -> None:
    assert sorted(set(POLICY) - _v1_endpoints(app) - _console_views(app)) == []


def test_every_console_view_has_a_row_in_the_policy_table(app: Flask) -> None:
    assert sorted(_console_views(app) - set(POLICY)) == []


def test_a_console_view_is_judged_by_its_api_endpoints_very_row() -> None:
    assert all(POLICY[view] is POLICY[endpoint] for view, endpoint in CONSOLE_VIEWS.items())


def test_compliance_officers_may_change_nothing(app: Flask) -> None:
    writes = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/v1/")
        and r.methods
        and r.methods & {"POST", "PUT", "PATCH", "DELETE"}
    }
    # Signing a checkpoint, or an evidence bundle under one, attests to the ledger as it is; a
    # legal hold preserves records from destruction (issue 7 gives holds to compliance
    # officers). Neither changes a record's facts. A witness's cosignature, carried by an
    # auditor's token, is another party's attestation.
    attestations = {
        "integrity.make_checkpoint",
        "integrity.add_cosignature",
        "integrity.evidence_bundle",
    }
    preservations = {
        "subjects.place_hold",
        "subjects.lift_hold",
        "retention.place_hold",
        "retention.lift_hold",
    }
    allowed = attestations | preservations
    assert sorted(e for e in writes - allowed if "compliance_officer" in POLICY[e]) == []


def test_every_cell_names_a_known_role() -> None:
    assert {role for rule in POLICY.values() for role in rule} <= set(ROLES)


def test_an_endpoint_without_a_row_refuses_every_role(app: Flask, client: FlaskClient) -> None:
    extra = Blueprint("unlisted", __name__, url_prefix="/v1/unlisted")

    @extra.route("", methods=["GET"])
    def unlisted() -> dict[str, str]:
        return {"reached": "yes"}

    app.extensions["flask-smorest"]["apis"][""]["ext_obj"].register_blueprint(extra)
    for identity in (AGENT, ADMIN, PRIVACY_OFFICER):
        assert client.get("/v1/unlisted", headers=identity).status_code == 403


def test_every_v1_operation_documents_its_token_and_the_refusals(client: FlaskClient) -> None:
    document = client.get("/openapi.json").get_json()
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        if path.startswith("/v1/")
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    undocumented = [
        name
        for name, operation in operations
        if operation.get("security") != [{"bearerToken": []}]
        or not {"401", "403", "429"} <= set(operation["responses"])
    ]
    assert undocumented == []
    assert document["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
