"""The warning light: the SQL CASE and the Python rule give the same light for every item, on
SQLite and PostgreSQL; yellow starts at the reminder point, or where `lights:` declares it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.errors import DefinitionError
from engine.items import (
    ItemFilters,
    LightRule,
    WorkFilters,
    count_work,
    light_case,
    light_rule,
    list_items,
    list_work,
)
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime, load_workflows
from engine.storage import ITEM
from engine.storage.db import read_tx
from engine.workflow.loader import default_workflows_dir, parse_definition
from tests.engine.helpers import jid

OFFICE = "市办-线索组"
LEAD_TEXT = (default_workflows_dir() / "lead.yaml").read_text("utf-8")
V = parse_definition(LEAD_TEXT, "lead.yaml").version
# the next version turns yellow 3 working days before the due time instead of at the reminder
DECLARED = (LEAD_TEXT.replace(f"version: {V}", f"version: {V + 1}", 1)
            .replace("\nescalation:\n",
                     "\nlights:\n  yellow: {before: {working_days: 3}}\n\nescalation:\n", 1))


def lead(rt: Runtime, actor: Actor) -> int:
    return create_item(rt, actor=actor, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                       title="反映某民警违规办案",
                       data={"channel": "letter", "category": "law_enforcement"}).item_id


def both_faces(rt: Runtime) -> tuple[LightRule, dict[int, str | None], dict[int, str | None]]:
    """Each item's light from the SQL CASE and from the Python rule, at the clock's now."""
    rule = light_rule(rt.registry.all(), rt.clock.now(), rt.calendar)
    with read_tx(rt.db) as conn:
        sql: dict[int, str | None] = {
            r.id: r.light for r in conn.execute(select(ITEM.c.id, light_case(rule).label(
                "light")))}
        rows = conn.execute(select(ITEM)).all()
    return rule, sql, {r.id: rule.of_row(r) for r in rows}


def test_sql_and_python_agree_on_every_light(rt: Runtime, actors: dict[str, Actor],
                                             clock: ManualClock) -> None:
    """Received (5 working days, reminded 1 before) on Monday 09:00 China time: green, yellow
    from Friday 09:00, red from the next Monday 09:00; closed and paused items have none."""
    office = actors[OFFICE]
    old = lead(rt, office)
    paused = lead(rt, office)
    apply(rt, actor=office, item_id=paused, trigger="return_for_info",
          data={"reason": "缺材料"})
    clock.advance(timedelta(days=4))  # Friday 09:00: old at its reminder point
    fresh = lead(rt, office)
    gone = lead(rt, office)
    apply(rt, actor=office, item_id=gone, trigger="merge", data={"merge_into": fresh})
    rule, sql, python = both_faces(rt)
    assert sql == python
    assert python == {old: "yellow", paused: None, fresh: "green", gone: None}
    clock.advance(timedelta(days=3))  # the next Monday 09:00: old is due now
    rule, sql, python = both_faces(rt)
    assert sql == python
    assert python == {old: "red", paused: None, fresh: "green", gone: None}
    with read_tx(rt.db) as conn:
        for light, want in (("red", [old]), ("green", [fresh]), ("yellow", [])):
            page = list_items(conn, office, ItemFilters(light=light, light_rule=rule),
                              now=rule.now)
            assert [r.id for r in page.rows] == want
            work = WorkFilters(light=light, light_rule=rule)
            assert count_work(conn, office, work, now=rule.now) == len(want)
            assert [r.id for r in list_work(conn, office, work, now=rule.now).rows] == want


def test_a_declared_yellow_point_replaces_the_reminder(rt: Runtime, actors: dict[str, Actor],
                                                       clock: ManualClock,
                                                       tmp_path: Path) -> None:
    """`lights: {yellow: {before: {working_days: 3}}}` on a new version: its items are yellow
    from Wednesday; items on the old version still turn yellow at their reminder (Friday)."""
    office = actors[OFFICE]
    old = lead(rt, office)
    d = tmp_path / "wf"
    d.mkdir()
    (d / "lead.yaml").write_text(DECLARED, "utf-8")
    load_workflows(rt.db, d, clock)
    new = lead(rt, office)
    with read_tx(rt.db) as conn:
        versions = dict(conn.execute(select(ITEM.c.id, ITEM.c.workflow_version)).all())
    assert (versions[old], versions[new]) == (V, V + 1)
    clock.advance(timedelta(days=2) - timedelta(minutes=1))  # just before Wednesday 09:00
    _, sql, python = both_faces(rt)
    assert sql == python == {old: "green", new: "green"}
    clock.advance(timedelta(minutes=1))
    _, sql, python = both_faces(rt)
    assert sql == python == {old: "green", new: "yellow"}
    clock.advance(timedelta(days=2))  # Friday 09:00: the old version's reminder point
    _, sql, python = both_faces(rt)
    assert sql == python == {old: "yellow", new: "yellow"}


@pytest.mark.parametrize(("lights", "problem"), [
    ("  yellow: {at: 0.8}\n", "lights must be"),
    ("  yellow: {before: {weeks: 1}}\n", "unknown duration unit"),
    ("  red: {before: {days: 1}}\n", "lights must be"),
])
def test_the_loader_checks_a_lights_declaration(lights: str, problem: str) -> None:
    text = LEAD_TEXT.replace("\nescalation:\n", f"\nlights:\n{lights}\nescalation:\n", 1)
    with pytest.raises(DefinitionError) as info:
        parse_definition(text, "lead.yaml")
    assert problem in str(info.value)
    assert "lights" in str(info.value)
