"""The sweep's heartbeat: after each successful sweep, one statement adds the run to the
`sweep_heartbeat` row (last success, its duration and worker, the duration histogram's
counts), so /metrics on any API worker can tell when the sweep last ran, whichever process
ran it. Increments, not read-modify-write: two schedulers finishing at once both count."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.storage import HEARTBEAT, SWEEP_BUCKETS, bucket_column

JOB = "sweep"


def record_sweep(conn: Connection, *, finished_at: datetime, duration_s: float,
                 worker: str) -> None:
    buckets = {bucket_column(b): int(duration_s <= b) for b in SWEEP_BUCKETS}
    stmt = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(HEARTBEAT)
    values: dict[str, Any] = {"name": JOB, "last_success_at": finished_at,
                              "last_duration_s": duration_s, "last_worker": worker[:64],
                              "runs": 1, "duration_sum_s": duration_s, **buckets}
    stmt = stmt.values(**values)
    c = HEARTBEAT.c
    conn.execute(stmt.on_conflict_do_update(index_elements=[c.name], set_={
        # a late finisher must not move the last success backwards
        "last_success_at": case((stmt.excluded.last_success_at > c.last_success_at,
                                 stmt.excluded.last_success_at), else_=c.last_success_at),
        "last_duration_s": stmt.excluded.last_duration_s,
        "last_worker": stmt.excluded.last_worker,
        "runs": c.runs + 1,
        "duration_sum_s": c.duration_sum_s + stmt.excluded.duration_sum_s,
        **{name: c[name] + stmt.excluded[name] for name in buckets},
    }))
