"""The OpenAPI document declares what the routes can answer."""

from __future__ import annotations

from typing import Any

from tests.fixtures.api import Api

METHODS = ("get", "post", "put", "patch", "delete")


def _operations(api: Api) -> list[tuple[str, str, dict[str, Any]]]:
    paths = api.app.openapi()["paths"]
    return [(m.upper(), p, op) for p, ops in paths.items() for m, op in ops.items()
            if m in METHODS]


def test_authenticated_operations_declare_401(api_sqlite: Api) -> None:
    """Every operation that takes a bearer token declares 401."""
    missing = [(m, p) for m, p, op in _operations(api_sqlite)
               if op.get("security") and "401" not in op["responses"]]
    assert not missing


def test_operations_with_input_declare_422(api_sqlite: Api) -> None:
    """Every operation with parameters or a body declares 422 as problem+json."""
    missing = [(m, p) for m, p, op in _operations(api_sqlite)
               if (op.get("parameters") or op.get("requestBody"))
               and "application/problem+json" not in op["responses"].get("422", {}).get(
                   "content", {})]
    assert not missing


def test_errors_are_documented_as_problem_json(api_sqlite: Api) -> None:
    """Every 4xx/5xx response in the document is application/problem+json."""
    wrong = [(m, p, s) for m, p, op in _operations(api_sqlite)
             for s, r in op["responses"].items()
             if s[0] in "45" and "application/problem+json" not in r.get("content", {})]
    assert not wrong
