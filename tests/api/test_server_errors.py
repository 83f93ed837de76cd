"""A failure no handler expected is still an answer: 500 application/problem+json carrying
the request id, and one log line for the request with the traceback as a field, without the
SQL's bound parameters or the driver's message (which may quote the data)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import text
from structlog.testing import capture_logs

from api.routes import health as health_routes
from api.routes import items as item_routes
from engine import logs
from tests.fixtures.api import CITY_OFFICE, Api

SECRET_VALUE = "张三-ZQXV7-secret"


def failing_list(api: Api) -> Any:
    """A stand-in for list_items that runs SQL both databases refuse, with a bound value
    each of them would print: SQLAlchemy prints it as `[parameters: ...]`, and PostgreSQL's
    message quotes it (invalid input syntax for type integer: "…")."""
    sql = ("SELECT CAST(:v AS integer)" if api.rt.db.dialect.name == "postgresql"
           else "SELECT :v FROM no_such_table")

    def fail(conn: Any, *_args: Any, **_kw: Any) -> Any:
        conn.execute(text(sql), {"v": SECRET_VALUE})
        raise AssertionError("the statement should have failed")

    return fail


def test_an_unexpected_failure_is_a_problem_with_the_request_id(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(item_routes, "list_items", failing_list(api))
    with capture_logs() as captured:
        r = api.client.get("/v1/items", headers=api.as_(CITY_OFFICE) | {"X-Request-ID": "r-42"})
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["x-request-id"] == "r-42"
    assert r.json()["request_id"] == "r-42"
    assert SECRET_VALUE not in r.text
    lines = [e for e in captured if e.get("request_id") == "r-42"]
    assert len(lines) == 1, lines
    line = lines[0]
    assert (line["event"], line["log_level"], line["status"]) == ("request", "error", 500)
    assert line["route"] == "/v1/items"
    trace = line["traceback"]
    assert "Traceback (most recent call last)" in trace
    assert "sqlalchemy.exc." in trace
    assert "[SQL: SELECT" in trace
    assert "fail" in trace  # the frames are there
    assert SECRET_VALUE not in json.dumps(captured, ensure_ascii=False, default=str)
    assert "[parameters:" not in trace


def test_the_json_log_gets_one_line_with_the_traceback(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the production renderer: one JSON object per line, the traceback a field."""
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    monkeypatch.setattr(item_routes, "list_items", failing_list(api))
    logs.configure("json")
    try:
        api.client.get("/v1/items", headers=api.as_(CITY_OFFICE) | {"X-Request-ID": "r-43"})
    finally:
        logs.configure("console")
    lines = [json.loads(x) for x in stream.getvalue().splitlines() if '"r-43"' in x]
    assert len(lines) == 1
    assert lines[0]["status"] == 500
    assert "Traceback" in lines[0]["traceback"]
    assert SECRET_VALUE not in stream.getvalue()


def test_a_5xx_the_server_means_carries_the_request_id(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A planned 5xx (not ready) is problem+json with the request id as well."""
    monkeypatch.setattr(health_routes, "answers", lambda _db: False)
    r = api.client.get("/readyz", headers={"X-Request-ID": "r-44"})
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["request_id"] == "r-44"
