"""The request log: one line per request with id, user, route, status and duration; never a
token or the reporter's identity."""

from __future__ import annotations

import json

from structlog.testing import capture_logs

from tests.fixtures.api import CITY_OFFICE, LEAD, Api


def test_one_line_per_request_with_request_id(api_sqlite: Api) -> None:
    """A request logs one `request` line with the X-Request-ID sent, which is echoed back."""
    with capture_logs() as logs:
        r = api_sqlite.client.get("/v1/me", headers=api_sqlite.as_(CITY_OFFICE)
                                  | {"X-Request-ID": "req-123"})
    assert r.headers["X-Request-ID"] == "req-123"
    lines = [e for e in logs if e["event"] == "request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "req-123"
    assert line["user"] == f"user:{api_sqlite.user_ids[CITY_OFFICE]}"
    assert (line["route"], line["status"]) == ("/v1/me", 200)
    assert line["duration_ms"] >= 0


def test_request_id_is_generated_when_absent(api_sqlite: Api) -> None:
    """Without X-Request-ID the server makes one and returns it."""
    r = api_sqlite.client.get("/healthz")
    assert len(r.headers["X-Request-ID"]) == 32


def test_unsafe_request_id_is_replaced(api_sqlite: Api) -> None:
    """An X-Request-ID with odd characters is not trusted into the log."""
    r = api_sqlite.client.get("/healthz", headers={"X-Request-ID": "a b\tc"})
    assert r.headers["X-Request-ID"] != "a b\tc"


def test_tokens_and_reporter_identity_never_logged(api_sqlite: Api) -> None:
    """Neither the bearer token, a new user's token nor reporter identity appears in logs."""
    secret_name = "张三-举报人"
    with capture_logs() as logs:
        api_sqlite.client.post("/v1/items", headers=api_sqlite.as_(CITY_OFFICE), json={
            "workflow": "lead", "jurisdiction": "5101", "title": "线索",
            "data": LEAD | {"reporter_name": secret_name, "reporter_contact": "13800000000"}})
        api_sqlite.client.get("/v1/me", headers={"Authorization": "Bearer wrong-token"})
        made = api_sqlite.client.post("/v1/users", headers=api_sqlite.as_("省管理员"), json={
            "name": "新用户", "role": "handler", "jurisdiction": "510101"}).json()
    dumped = json.dumps(logs, ensure_ascii=False, default=str)
    assert logs  # something was logged, so the check below means something
    for secret in (api_sqlite.tokens[CITY_OFFICE], "wrong-token", made["token"], secret_name,
                   "13800000000"):
        assert secret not in dumped
