"""The REST API fuzzed from its OpenAPI document (schemathesis): no input makes a server error.

Runs on an app of its own (its own records file) with an admin's bearer token, so that the
users the fuzzer creates or changes do not reach the other tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from pdca.records import Role, accounts
from pdca.web import create_app

STORE: dict[str, Any] = {}


@pytest.fixture(scope="module")
def fuzz_app(web_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    app = create_app(
        web_store, records_url=f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'r.sqlite'}"
    )
    with app.state.web.records.session() as db:
        accounts.add_user(db, "fuzz-admin", "fuzz-password", Role.ADMIN, who="test")
        accounts.add_user(db, "fuzz-admin2", "fuzz-password", Role.ADMIN, who="test")
        STORE["token"] = accounts.issue_token(db, "fuzz-admin", "fuzz", who="test")
    yield app
    app.state.web.records.close()


def test_no_input_makes_a_server_error(fuzz_app: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", fuzz_app)
    headers = {"Authorization": f"Bearer {STORE['token']}"}
    seen = []
    statuses: set[int] = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        seen.append(f"{operation.method.upper()} {operation.path}")

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case: Any) -> None:
            response = case.call(headers=headers)
            statuses.add(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])

        call()
    assert {200, 201} <= statuses  # the token works: the fuzzer got past authentication
    assert {"GET /api/logs", "GET /api/logs/{log}/scorecard", "POST /api/users"} <= set(seen)
