"""Webhook delivery of the notification outbox to offices that configured a URL.

At least once: a delivery row is written in the transaction of its event; it is marked
delivered only after a 2xx answer, so a crash between the POST and the mark sends it again
(receivers dedupe on the X-Leadflow-Delivery header). Every attempt is recorded. A failure
backs off exponentially (30 s, 1 min, 2 min, ... capped at 1 h) and the delivery gives up
(status failed) after `max_attempts`. A URL that fails is skipped for the rest of the run,
so a dead endpoint costs one timeout per run and never holds up the other offices.

No HTTP call runs inside a database transaction: rows are leased first (claimed_by,
claimed_until; FOR UPDATE SKIP LOCKED on PostgreSQL), posted, then the outcome is written.
The lease is renewed right before each POST, for that delivery, and only if this worker still
holds it: a run of many slow deliveries outlives the lease of its first claim, and a row whose
lease ran out and that another worker took is left to that worker, never posted twice.
URLs may carry secrets, so they never reach the logs; the unit id does."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy import insert, or_, select, update

from engine.runtime import Runtime
from engine.storage import (
    ATTEMPT,
    DELIVERY,
    is_postgres,
    worker_id,
    write_tx,
)

log = structlog.get_logger("engine.scheduling.webhooks")
MAX_ATTEMPTS = 6
TIMEOUT_S = 5.0
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failure: 30 s doubled each time, at most an hour."""
    return min(BACKOFF_BASE * (1 << max(attempts - 1, 0)), BACKOFF_CAP)


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    gave_up: int = 0
    deferred: int = 0  # skipped because their URL already failed in this run
    lost: int = 0  # lease ran out before their turn and another worker took them
    failing_units: set[int] = field(default_factory=set)


@dataclass(frozen=True, kw_only=True)
class _Outcome:
    ok: bool
    status_code: int | None
    error: str | None
    elapsed_ms: int


def deliver_pending(rt: Runtime, *, client: httpx.Client | None = None, limit: int = 100,
                    max_attempts: int = MAX_ATTEMPTS, lease: timedelta = timedelta(minutes=2),
                    worker: str | None = None) -> DeliveryReport:
    """Post the deliveries that are due; returns what happened."""
    worker = worker or worker_id()
    rows = _claim(rt, rt.clock.now(), limit, lease, worker)
    report = DeliveryReport()
    own_client = client is None
    http = client or httpx.Client(timeout=TIMEOUT_S)
    failing: set[str] = set()
    try:
        for row in rows:
            if row.url in failing:
                _release(rt, row.id, worker)
                report.deferred += 1
                continue
            attempts = _renew(rt, row.id, worker, lease)
            if attempts is None:
                report.lost += 1
                continue
            outcome = _post(http, row)
            _record(rt, row, attempts + 1, outcome, rt.clock.now(), max_attempts, worker,
                    report)
            if not outcome.ok:
                failing.add(row.url)
                report.failing_units.add(row.unit_id)
    finally:
        if own_client:
            http.close()
    return report


def _claim(rt: Runtime, now: datetime, limit: int, lease: timedelta, worker: str) -> list[Any]:
    with write_tx(rt.db) as conn:
        q = (select(DELIVERY.c.id)
             .where(DELIVERY.c.status == "pending", DELIVERY.c.next_attempt_at <= now,
                    or_(DELIVERY.c.claimed_until.is_(None), DELIVERY.c.claimed_until <= now))
             .order_by(DELIVERY.c.next_attempt_at, DELIVERY.c.id).limit(limit))
        if is_postgres(conn):
            q = q.with_for_update(skip_locked=True)
        ids = list(conn.execute(q).scalars())
        if not ids:
            return []
        conn.execute(update(DELIVERY).where(DELIVERY.c.id.in_(ids))
                     .values(claimed_by=worker, claimed_until=now + lease))
        return list(conn.execute(select(DELIVERY).where(DELIVERY.c.id.in_(ids))
                                 .order_by(DELIVERY.c.next_attempt_at, DELIVERY.c.id)))


def _renew(rt: Runtime, delivery_id: int, worker: str, lease: timedelta) -> int | None:
    """Extend this worker's lease on one delivery for its POST, from now; its attempts so far,
    or None when the lease is no longer ours (it ran out and another worker took the row)."""
    with write_tx(rt.db) as conn:
        return conn.execute(
            update(DELIVERY).where(DELIVERY.c.id == delivery_id,
                                   DELIVERY.c.claimed_by == worker,
                                   DELIVERY.c.status == "pending")
            .values(claimed_until=rt.clock.now() + lease)
            .returning(DELIVERY.c.attempts)).scalar()


def _post(http: httpx.Client, row: Any) -> _Outcome:
    headers = {"X-Leadflow-Delivery": str(row.id), "X-Leadflow-Event": row.event}
    started = time.perf_counter()  # measures the call's duration, not a deadline
    try:
        resp = http.post(row.url, json=row.payload, headers=headers)
    except httpx.HTTPError as exc:
        return _Outcome(ok=False, status_code=None, error=type(exc).__name__,
                        elapsed_ms=int((time.perf_counter() - started) * 1000))
    elapsed = int((time.perf_counter() - started) * 1000)
    ok = 200 <= resp.status_code < 300
    return _Outcome(ok=ok, status_code=resp.status_code,
                    error=None if ok else f"HTTP {resp.status_code}", elapsed_ms=elapsed)


def _record(rt: Runtime, row: Any, attempt: int, outcome: _Outcome, now: datetime,
            max_attempts: int, worker: str, report: DeliveryReport) -> None:
    values: dict[str, Any] = {"attempts": attempt, "claimed_by": None, "claimed_until": None,
                              "last_error": outcome.error}
    if outcome.ok:
        values |= {"status": "delivered", "delivered_at": now}
        report.delivered += 1
    elif attempt >= max_attempts:
        values["status"] = "failed"
        report.gave_up += 1
        log.warning("webhook_gave_up", delivery_id=row.id, unit_id=row.unit_id,
                    attempts=attempt, error=outcome.error)
    else:
        values["next_attempt_at"] = now + backoff(attempt)
        report.retrying += 1
        log.info("webhook_retry", delivery_id=row.id, unit_id=row.unit_id, attempt=attempt,
                 error=outcome.error)
    with write_tx(rt.db) as conn:
        conn.execute(insert(ATTEMPT).values(
            delivery_id=row.id, attempt=attempt, at=now, status_code=outcome.status_code,
            error=outcome.error, elapsed_ms=outcome.elapsed_ms))
        conn.execute(update(DELIVERY).where(DELIVERY.c.id == row.id,
                                            DELIVERY.c.claimed_by == worker).values(**values))


def _release(rt: Runtime, delivery_id: int, worker: str) -> None:
    with write_tx(rt.db) as conn:
        conn.execute(update(DELIVERY).where(DELIVERY.c.id == delivery_id,
                                            DELIVERY.c.claimed_by == worker)
                     .values(claimed_by=None, claimed_until=None))
