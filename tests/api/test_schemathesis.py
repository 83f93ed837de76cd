"""Property-based run of the OpenAPI schema, in process, with a valid token: no 5xx, and
every status, content type, header and body conforms to the schema. Bounded (a few examples
per operation) so it stays well under a minute; SQLite only, it tests the HTTP contract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from engine.kernel.clock import ManualClock
from engine.org.tree import load_org, read_org_file
from engine.runtime import open_runtime
from engine.storage.db import write_tx
from engine.workflow.loader import default_workflows_dir
from tests.conftest import EXAMPLE_ORG, START
from tests.fixtures.api import ADMIN, CITY_OFFICE, Api, make_api

ADMIN_PATHS = ("/v1/jurisdictions", "/v1/units", "/v1/users", "/v1/tokens")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture
def fuzz_api(tmp_path: Path) -> Iterator[Api]:
    path = tmp_path / "leadflow.db"
    clock = ManualClock(START)
    rt = open_runtime(f"sqlite:///{path}", default_workflows_dir(), clock=clock)
    with write_tx(rt.db) as conn:
        load_org(conn, read_org_file(EXAMPLE_ORG), clock.now())
    try:
        api = next(make_api(rt))
        for code in ("5101", "510101"):  # a few items, so item routes also answer 200
            api.create_lead(jurisdiction=code)
        yield api
    finally:
        rt.db.dispose()


def test_api_conforms_to_its_schema(fuzz_api: Api) -> None:
    """No 5xx and schema-conformant responses for generated requests with a valid token."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_api.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18

    for operation in operations:
        who = ADMIN if operation.path.startswith(ADMIN_PATHS) else CITY_OFFICE
        _fuzz(operation, fuzz_api.as_(who))


def _fuzz(operation: Any, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=8, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
