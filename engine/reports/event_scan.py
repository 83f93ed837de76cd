"""How a report reads a period's audit events on SQLite: by index, or in one pass.

SQLite has no statistics here, so for any range on `audit_event.at` or any trigger it walks
ix_audit_at / ix_audit_trigger_at and fetches each event out of table order. For a period
covering most of the events' time span that costs several times a sequential pass (at 1M
items: 6.0 s against 1.4 s for the acceptances). Such a period's queries name the columns
as `+column`, which the planner cannot take to an index; the figures are the same either
way (tests/engine/reports/test_disposal.py forces both)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, func, literal_column, select

from engine.reports.period import Period
from engine.storage import EVENT

# the share of the events' time span a period must cover to be read in one pass
WIDE = 0.5


def covers_most_events(conn: Connection, period: Period) -> bool:
    """On SQLite, whether the period covers at least WIDE of the span from the first event
    to the last (two ends of ix_audit_at); always False elsewhere."""
    if conn.dialect.name != "sqlite":
        return False
    first = conn.execute(select(func.min(EVENT.c.at))).scalar()
    last = conn.execute(select(func.max(EVENT.c.at))).scalar()
    if first is None or last is None or last <= first:
        return False
    covered = min(last, period.end) - max(first, period.start)
    return bool(covered / (last - first) >= WIDE)


def unindexed(col: Column[Any]) -> Any:
    """The event column as `+audit_event.<name>`: the same value, no index."""
    return literal_column(f"+{col.table.name}.{col.name}", type_=col.type)
