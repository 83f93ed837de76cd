"""Extensions: asked for before the deadline, approved (perhaps with fewer days: the due
time, the reminder and the next check move by the granted working days) or refused (the
event only); the limits of the workflow file hold, and a refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import InvalidData, RoleForbidden, TransitionRefused
from engine.items import verify
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.storage.db import read_tx
from engine.supervision import (
    approve_extension,
    list_extensions,
    refuse_extension,
    request_extension,
)
from tests.engine.supervision.helpers import investigating_lead, notified, row, triggers, written


def test_an_extension_walked_end_to_end(rt: Runtime, clock: ManualClock,
                                        actors: dict[str, Actor]) -> None:
    office, handler = actors["东城办-联络员"], actors["东城公安-承办人"]
    item_id = investigating_lead(rt, actors)
    before = row(rt, item_id)
    ext = request_extension(rt, actor=handler, item_id=item_id, working_days=5,
                            reason="需调取异地档案")
    assert (ext.state, ext.days_asked, ext.original_due_at) == ("requested", 5, before.due_at)
    assert row(rt, item_id).due_at == before.due_at  # asking moves nothing
    assert "东城办-联络员" in notified(rt, "extension_request")
    clock.advance(timedelta(days=2))
    granted = approve_extension(rt, actor=office, item_id=item_id, extension_id=ext.id,
                                working_days=3, comment="同意延期三个工作日")
    after = row(rt, item_id)
    assert after.due_at == rt.calendar.add_working_days(before.due_at, 3)
    assert after.remind_at == rt.calendar.add_working_days(before.remind_at, 3)
    assert after.next_check_at == after.remind_at  # the sweep looks at the moved reminder
    assert (after.state, after.version) == ("investigating", before.version + 2)
    assert (granted.state, granted.days_granted, granted.original_due_at,
            granted.new_due_at) == ("approved", 3, before.due_at, after.due_at)
    assert notified(rt, "extension_approve") == ["东城公安-承办人"]
    assert triggers(rt, item_id)[-2:] == ["extension_request", "extension_approve"]
    with read_tx(rt.db) as conn:
        assert verify(conn, item_ids=[item_id]).ok


def test_a_refusal_records_the_event_only(rt: Runtime, actors: dict[str, Actor]) -> None:
    office, handler = actors["东城办-联络员"], actors["东城公安-承办人"]
    item_id = investigating_lead(rt, actors)
    before = row(rt, item_id)
    ext = request_extension(rt, actor=handler, item_id=item_id, working_days=5, reason="案情复杂")
    refused = refuse_extension(rt, actor=office, item_id=item_id, extension_id=ext.id,
                               reason="时限内可以完成")
    after = row(rt, item_id)
    assert (after.due_at, after.remind_at, after.next_check_at) == (
        before.due_at, before.remind_at, before.next_check_at)
    assert (refused.state, refused.decision, refused.new_due_at) == (
        "refused", "时限内可以完成", None)
    assert triggers(rt, item_id)[-1] == "extension_refuse"
    assert [e.state for e in list_extensions(rt, office, item_id)] == ["refused"]


def _refused(rt: Runtime, error: type[Exception], step: object) -> None:
    before = written(rt)
    with pytest.raises(error):
        step()  # type: ignore[operator]
    assert written(rt) == before


def test_limits_roles_and_deadlines_are_refused(rt: Runtime, clock: ManualClock,
                                                actors: dict[str, Actor]) -> None:
    office, handler = actors["东城办-联络员"], actors["东城公安-承办人"]
    item_id = investigating_lead(rt, actors)
    ask = lambda n=5, who=handler: request_extension(  # noqa: E731
        rt, actor=who, item_id=item_id, working_days=n, reason="理由")
    _refused(rt, InvalidData, lambda: ask(16))  # investigating allows 15 a time
    _refused(rt, RoleForbidden, lambda: ask(who=actors["省指导组-审计"]))
    first = ask()
    _refused(rt, InvalidData, ask)  # one is pending
    _refused(rt, RoleForbidden, lambda: approve_extension(
        rt, actor=handler, item_id=item_id, extension_id=first.id))
    _refused(rt, InvalidData, lambda: approve_extension(
        rt, actor=office, item_id=item_id, extension_id=first.id, working_days=6))
    approve_extension(rt, actor=office, item_id=item_id, extension_id=first.id)
    _refused(rt, TransitionRefused, lambda: refuse_extension(
        rt, actor=office, item_id=item_id, extension_id=first.id, reason="x"))
    approve_extension(rt, actor=office, item_id=item_id, extension_id=ask().id)
    _refused(rt, InvalidData, ask)  # two per stay, both granted
    late = investigating_lead(rt, actors, title="逾期线索")
    clock.set(row(rt, late).due_at)
    _refused(rt, InvalidData, lambda: request_extension(
        rt, actor=handler, item_id=late, working_days=1, reason="来不及了"))


def test_a_state_without_a_rule_takes_no_extension(rt: Runtime,
                                                   actors: dict[str, Actor]) -> None:
    """A lead just received (受理) has a deadline but no extension rule."""
    from tests.engine.scheduling.helpers import new_lead

    item_id = new_lead(rt, actors["东城办-联络员"])
    _refused(rt, TransitionRefused, lambda: request_extension(
        rt, actor=actors["东城办-联络员"], item_id=item_id, working_days=1, reason="x"))


def test_a_decision_after_the_deadline_is_refused(rt: Runtime, clock: ManualClock,
                                                  actors: dict[str, Actor]) -> None:
    """An item that went overdue while its request waited stays late: reports count it so."""
    office, handler = actors["东城办-联络员"], actors["东城公安-承办人"]
    item_id = investigating_lead(rt, actors)
    ext = request_extension(rt, actor=handler, item_id=item_id, working_days=5, reason="理由")
    clock.set(row(rt, item_id).due_at + timedelta(minutes=1))
    _refused(rt, InvalidData, lambda: approve_extension(
        rt, actor=office, item_id=item_id, extension_id=ext.id))
