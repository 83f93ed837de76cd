"""Webhook delivery to a local HTTP server: success, retry after failure, giving up."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select, update

from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.org.tree import UNIT
from engine.runtime import Runtime
from engine.scheduling.sweep import run_sweep
from engine.scheduling.webhooks import backoff, deliver_pending
from engine.storage import ATTEMPT, DELIVERY
from engine.storage.db import read_tx, write_tx
from tests.engine.scheduling.helpers import new_lead


@dataclass
class Hook:
    """A webhook receiver on 127.0.0.1 answering with scripted status codes (then 200)."""

    url: str
    codes: list[int] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append({"body": json.loads(body),
                                   "delivery": self.headers["X-Leadflow-Delivery"]})
            self.send_response(state.codes.pop(0) if state.codes else 200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def set_webhook(rt: Runtime, unit: str, url: str) -> None:
    with write_tx(rt.db) as conn:
        conn.execute(update(UNIT).where(UNIT.c.code == unit).values(webhook_url=url))


def escalate_one(rt: Runtime, clock: ManualClock, actors: dict[str, Actor]) -> None:
    """One lead in 东城区, escalated to level 1 (东城区 office)."""
    new_lead(rt, actors["东城办-联络员"])
    clock.advance(timedelta(days=7))
    run_sweep(rt)


def deliveries(rt: Runtime) -> list[Any]:
    with read_tx(rt.db) as conn:
        return list(conn.execute(select(DELIVERY).order_by(DELIVERY.c.id)))


def attempts(rt: Runtime) -> list[tuple[int, int | None]]:
    with read_tx(rt.db) as conn:
        return [(r.attempt, r.status_code) for r in conn.execute(
            select(ATTEMPT).order_by(ATTEMPT.c.delivery_id, ATTEMPT.c.attempt))]


def test_escalation_is_posted_to_the_office_webhook(rt: Runtime, clock: ManualClock,
                                                    actors: dict[str, Actor],
                                                    hook: Hook) -> None:
    """The county office's webhook receives the level-1 escalation once, marked delivered."""
    set_webhook(rt, "dc-office", hook.url)
    escalate_one(rt, clock, actors)
    report = deliver_pending(rt)
    assert report.delivered == 1
    assert [(r["body"]["kind"], r["body"]["level"], r["body"]["office"])
            for r in hook.received] == [("escalate", 1, "dc-office")]
    assert deliveries(rt)[0].status == "delivered"
    assert attempts(rt) == [(1, 200)]


def test_webhook_payload_carries_no_title_or_data(rt: Runtime, clock: ManualClock,
                                                  actors: dict[str, Actor],
                                                  hook: Hook) -> None:
    """What leaves the system names the item by id and reference only."""
    set_webhook(rt, "dc-office", hook.url)
    escalate_one(rt, clock, actors)
    deliver_pending(rt)
    body = hook.received[0]["body"]
    assert "title" not in body
    assert "线索" not in json.dumps(body, ensure_ascii=False)


def test_failed_delivery_is_retried_after_backoff(rt: Runtime, clock: ManualClock,
                                                  actors: dict[str, Actor],
                                                  hook: Hook) -> None:
    """A 500 schedules a retry after the backoff; not earlier; the retry delivers."""
    set_webhook(rt, "dc-office", hook.url)
    hook.codes = [500]
    escalate_one(rt, clock, actors)
    assert deliver_pending(rt).retrying == 1
    clock.advance(backoff(1) - timedelta(seconds=1))
    assert deliver_pending(rt).delivered == 0
    clock.advance(timedelta(seconds=1))
    assert deliver_pending(rt).delivered == 1
    assert attempts(rt) == [(1, 500), (2, 200)]


def test_delivery_gives_up_after_the_limit_with_attempts_recorded(
        rt: Runtime, clock: ManualClock, actors: dict[str, Actor], hook: Hook) -> None:
    """Always 503: after 3 attempts the delivery is failed and each attempt is on record."""
    set_webhook(rt, "dc-office", hook.url)
    hook.codes = [503] * 10
    escalate_one(rt, clock, actors)
    for n in range(1, 5):
        deliver_pending(rt, max_attempts=3)
        clock.advance(backoff(n))
    row = deliveries(rt)[0]
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "HTTP 503")
    assert attempts(rt) == [(1, 503), (2, 503), (3, 503)]
    assert len(hook.received) == 3


def test_dead_webhook_does_not_hold_up_another_office(rt: Runtime, clock: ManualClock,
                                                      actors: dict[str, Actor],
                                                      hook: Hook) -> None:
    """With the county webhook refusing connections, the city's level-2 still arrives."""
    set_webhook(rt, "dc-office", "http://127.0.0.1:9/dead")  # discard port: refused
    set_webhook(rt, "city-office", hook.url)
    new_lead(rt, actors["东城办-联络员"])
    clock.advance(timedelta(days=9, hours=1))  # Wed 11 March: levels 1 and 2 due
    run_sweep(rt)
    report = deliver_pending(rt)
    assert (report.delivered, report.retrying) == (1, 1)
    assert [r["body"]["office"] for r in hook.received] == ["city-office"]


@dataclass
class SlowHook:
    """A receiver on 127.0.0.1 where each POST takes 25 s of the engine's clock; during the
    `interrupt_at`-th POST a second worker runs a whole delivery pass before it answers."""

    url: str
    received: list[str] = field(default_factory=list)  # X-Leadflow-Delivery, in order
    interrupt_at: int = 0
    second_worker: Any = None
    second_report: Any = None


@pytest.fixture
def slow_hook(clock: ManualClock) -> Iterator[SlowHook]:
    state = SlowHook(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(self.headers["X-Leadflow-Delivery"])
            clock.advance(timedelta(seconds=25))  # a slow receiver, on the engine's clock
            if len(state.received) == state.interrupt_at:
                state.second_report = state.second_worker()
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def test_a_long_run_is_not_reclaimed_and_posted_twice(rt: Runtime, clock: ManualClock,
                                                      slow_hook: SlowHook) -> None:
    """Worker A claims six deliveries with a 60 s lease and posts them one by one, 25 s
    each. During its fourth POST (100 s in) worker B runs: it may take only the rows whose
    lease ran out before A renewed it for their turn (5 and 6), and A then leaves those to
    B. Every delivery reaches the receiver exactly once, with one attempt each."""
    now = clock.now()
    with write_tx(rt.db) as conn:
        unit = conn.execute(select(UNIT.c.id).where(UNIT.c.code == "dc-office")).scalar_one()
        conn.execute(DELIVERY.insert(), [
            {"unit_id": unit, "url": slow_hook.url, "event": "escalate", "payload": {"n": n},
             "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}
            for n in range(6)])
    slow_hook.interrupt_at = 4
    slow_hook.second_worker = lambda: deliver_pending(rt, worker="worker-b")
    first = deliver_pending(rt, worker="worker-a", lease=timedelta(seconds=60))
    assert len(slow_hook.received) == len(set(slow_hook.received)) == 6
    assert (first.delivered, first.lost, slow_hook.second_report.delivered) == (4, 2, 2)
    assert attempts(rt) == [(1, 200)] * 6
    assert {r.status for r in deliveries(rt)} == {"delivered"}
