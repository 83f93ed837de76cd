"""Two clients fire conflicting transitions with the same If-Match: exactly one wins."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import CITY_OFFICE, Api


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
