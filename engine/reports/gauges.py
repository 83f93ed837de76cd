"""Prometheus metrics read from the database at scrape time, so they are right whichever
process (API worker, scheduler) did the work: transitions by workflow and trigger,
escalations by level, supervision notices by level and state, webhook deliveries and
failures, open items by workflow, state and light, the sweep's last success and its duration
histogram (`sweep_heartbeat`). Labels are codes from the workflow files and fixed words:
bounded, no personal data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector
from sqlalchemy import Connection, func, select

from engine.items import light_case, light_rule
from engine.runtime import Runtime
from engine.storage import (
    ATTEMPT,
    DELIVERY,
    EVENT,
    HEARTBEAT,
    ITEM,
    MARK,
    NOTICE,
    SWEEP_BUCKETS,
    bucket_column,
    read_tx,
)


class DatabaseCollector(Collector):
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def collect(self) -> Iterator[Any]:
        now = self.rt.clock.now()
        with read_tx(self.rt.db) as conn:
            transitions = CounterMetricFamily(
                "leadflow_transitions", "audit events by workflow and trigger",
                labels=["workflow", "trigger"])
            for wf, trigger, n in conn.execute(
                    select(EVENT.c.workflow, EVENT.c.trigger, func.count())
                    .group_by(EVENT.c.workflow, EVENT.c.trigger)):
                transitions.add_metric([wf, trigger], n)
            yield transitions
            escalations = CounterMetricFamily(
                "leadflow_escalations", "escalations by level", labels=["level"])
            for level, n in conn.execute(select(MARK.c.level, func.count())
                                         .where(MARK.c.kind == "escalate")
                                         .group_by(MARK.c.level)):
                escalations.add_metric([str(level)], n)
            yield escalations
            notices = GaugeMetricFamily(
                "leadflow_supervision_notices", "supervision notices by level and state",
                labels=["level", "state"])
            for level, state, n in conn.execute(
                    select(NOTICE.c.level, NOTICE.c.state, func.count())
                    .group_by(NOTICE.c.level, NOTICE.c.state)):
                notices.add_metric([level, state], n)
            yield notices
            deliveries = GaugeMetricFamily("leadflow_webhook_deliveries",
                                           "webhook deliveries by status", labels=["status"])
            for status, n in conn.execute(select(DELIVERY.c.status, func.count())
                                          .group_by(DELIVERY.c.status)):
                deliveries.add_metric([status], n)
            yield deliveries
            failed = conn.execute(select(func.count()).select_from(ATTEMPT)
                                  .where(ATTEMPT.c.error.is_not(None))).scalar_one()
            yield CounterMetricFamily("leadflow_webhook_attempt_failures",
                                      "webhook attempts that failed", value=failed)
            light = light_case(light_rule(self.rt.registry.all(), now, self.rt.calendar))
            open_items = GaugeMetricFamily("leadflow_open_items",
                                           "open items by workflow, state and light",
                                           labels=["workflow", "state", "light"])
            for wf, state, lit, n in conn.execute(
                    select(ITEM.c.workflow, ITEM.c.state, light, func.count())
                    .where(ITEM.c.closed_at.is_(None))
                    .group_by(ITEM.c.workflow, ITEM.c.state, light)):
                open_items.add_metric([wf, state, lit or "none"], n)
            yield open_items
            yield from _sweep(conn)


def _sweep(conn: Connection) -> Iterator[Any]:
    """The sweep's heartbeat; nothing until a sweep has succeeded once (alert on absence)."""
    row = conn.execute(select(HEARTBEAT).where(HEARTBEAT.c.name == "sweep")).first()
    if row is None:
        return
    yield GaugeMetricFamily("leadflow_sweep_last_success_timestamp_seconds",
                            "when the last successful sweep finished (Unix time)",
                            value=row.last_success_at.timestamp())
    yield GaugeMetricFamily("leadflow_sweep_last_duration_seconds",
                            "how long the last successful sweep took",
                            value=row.last_duration_s)
    buckets = [(str(b), float(row._mapping[bucket_column(b)])) for b in SWEEP_BUCKETS]
    yield HistogramMetricFamily("leadflow_sweep_duration_seconds",
                                "duration of successful sweeps, all schedulers",
                                buckets=[*buckets, ("+Inf", float(row.runs))],
                                sum_value=row.duration_sum_s)
