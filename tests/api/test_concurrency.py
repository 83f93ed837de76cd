"""Two clients fire conflicting transitions with the same If-Match: exactly one wins."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient

from tests.fixtures.api import CITY_OFFICE, Api


def test_same_if_match_exactly_one_wins(api: Api) -> None:
    """Concurrent transfer and return_for_info at version 1: one 200, one 412, one event."""
    item = api.create_lead()["id"]
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}
    requests = {
        "transfer": {"trigger": "transfer", "data": {"unit": "dc-police"}},
        "return_for_info": {"trigger": "return_for_info", "data": {"reason": "补充"}},
    }

    def fire(name: str) -> None:
        client = TestClient(api.app)  # one client per thread, like two separate callers
        barrier.wait()
        results[name] = client.post(f"/v1/items/{item}/transitions", json=requests[name],
                                    headers=api.as_(CITY_OFFICE) | {"If-Match": '"1"'})

    threads = [threading.Thread(target=fire, args=(n,)) for n in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    statuses = sorted(r.status_code for r in results.values())
    assert statuses == [200, 412]
    winner = next(n for n, r in results.items() if r.status_code == 200)
    final = api.client.get(f"/v1/items/{item}", headers=api.as_(CITY_OFFICE))
    assert final.headers["ETag"] == '"2"'
    history = api.client.get(f"/v1/items/{item}/history", headers=api.as_(CITY_OFFICE))
    assert [e["trigger"] for e in history.json()["events"]] == ["create", winner]


def test_same_idempotency_key_concurrently_creates_one_item(api: Api) -> None:
    """Two simultaneous creates with one Idempotency-Key make one item: a 201 and a 200."""
    barrier = threading.Barrier(2)
    results: list[Any] = []
    body = {"workflow": "lead", "jurisdiction": "5101", "title": "同时提交",
            "data": {"channel": "phone", "category": "violation"}}

    def create() -> None:
        client = TestClient(api.app)
        barrier.wait()
        results.append(client.post("/v1/items", json=body, headers=api.as_(CITY_OFFICE)
                                   | {"Idempotency-Key": "same-key"}))

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(r.status_code for r in results) == [200, 201]
    assert results[0].json()["id"] == results[1].json()["id"]
    listed = api.client.get("/v1/items", headers=api.as_(CITY_OFFICE)).json()["items"]
    assert len(listed) == 1
