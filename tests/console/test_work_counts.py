"""The 工作台's tab counts on both databases: one query per alternative of a handler's scope
(their unit's items; those assigned to them outside it), no item counted twice, each count
equal to its tab's own count, and each query read from its covering index alone (migration
0015) — SQLite's plan says COVERING INDEX, PostgreSQL's (its scans of the table switched off,
as a large table would make them lose) Index Only Scan."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from console.queues import tabs
from engine.items import WorkFilters, count_work, count_work_tabs
from engine.runtime import Runtime
from engine.storage import read_tx
from tests.console.pages import DC_HANDLER, actor, fire, new_lead


def handler_tabs(rt: Runtime) -> tuple[Any, dict[str, WorkFilters]]:
    handler = actor(rt, DC_HANDLER)
    workflows = [rt.registry.latest(n) for n in rt.registry.names()]
    return handler, {t.key: t.filters for t in tabs(handler, workflows, rt.calendar,
                                                   rt.clock.now(), WorkFilters())}


def test_tab_counts_equal_each_tabs_count_and_read_only_the_covering_indexes(
        rt: Runtime) -> None:
    unit_only = new_lead(rt, "单位的")
    fire(rt, unit_only, "transfer", unit="dc-police")
    both = new_lead(rt, "单位的且指派给我")  # matches both alternatives: counted once
    fire(rt, both, "transfer", unit="dc-police")
    fire(rt, both, "accept", who=DC_HANDLER, disposal="talk_inquiry",
         assignee=actor(rt, DC_HANDLER).user_id)
    new_lead(rt, "别的辖区的", jurisdiction="510102")
    handler, filters = handler_tabs(rt)
    now = rt.clock.now()
    seen: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any,
                _many: bool) -> None:
        seen.append((statement, parameters))

    with read_tx(rt.db) as conn:
        event.listen(rt.db, "before_cursor_execute", capture)
        try:
            counts = count_work_tabs(conn, handler, filters, within=WorkFilters(), now=now)
        finally:
            event.remove(rt.db, "before_cursor_execute", capture)
        assert counts == {k: count_work(conn, handler, f, now=now) for k, f in filters.items()}
        assert counts["all"] == 2
        assert counts["open"] == 2
        assert counts["incoming"] == 1
        counting = [(s, p) for s, p in seen if "sum(CASE" in s]
        assert len(counting) == 2  # the unit's items, then the handler's outside it
        plans = []
        for statement, parameters in counting:
            if rt.db.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
                conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
                rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters)
            else:
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.append(" ".join(str(r[-1]) for r in rows))
    if rt.db.dialect.name == "postgresql":
        assert "Index Only Scan using ix_item_unit_work" in plans[0], plans[0]
        assert "Index Only Scan using ix_item_assignee_work" in plans[1], plans[1]
    else:
        assert "COVERING INDEX ix_item_unit_work" in plans[0], plans[0]
        assert "COVERING INDEX ix_item_assignee_work" in plans[1], plans[1]
