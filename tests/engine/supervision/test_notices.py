"""Supervision notices through the one writer: issue, reply, return, reply, accept — each an
audit event that keeps the item's state, with its notifications; every refusal changes
nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from engine.errors import Forbidden, InvalidData, NotFound, RoleForbidden, TransitionRefused
from engine.items import apply, verify
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.storage.db import read_tx
from engine.supervision import (
    accept_reply,
    issue_notice,
    list_notices,
    reply_notice,
    return_reply,
)
from tests.engine.supervision.helpers import investigating_lead, notified, row, triggers, written


def test_a_notice_walked_end_to_end(rt: Runtime, clock: ManualClock,
                                    actors: dict[str, Actor]) -> None:
    office, handler = actors["东城办-联络员"], actors["东城公安-承办人"]
    item_id = investigating_lead(rt, actors)
    before = row(rt, item_id)
    notice = issue_notice(rt, actor=office, item_id=item_id, level="yellow",
                          requirement="请于三个工作日内报告核查进展")
    after = row(rt, item_id)
    assert (after.state, after.version, after.supervision_counts) == (
        "investigating", before.version + 1, {"yellow": 1})
    assert after.due_at == before.due_at  # a notice does not move the item's deadline
    assert (notice.state, notice.level_label, notice.issuer_jurisdiction) == (
        "open", "黄牌", "510101")
    # issued Monday 2 March 09:00 China time: three working days later
    assert notice.reply_due_at == rt.calendar.add_working_days(clock.now(), 3)
    assert notified(rt, "supervise") == ["东城公安-承办人"]

    clock.advance(timedelta(days=1))
    replied = reply_notice(rt, actor=handler, item_id=item_id, notice_id=notice.id,
                           reply="已约谈被反映人，正在调取案卷")
    assert (replied.state, replied.reply) == ("replied", "已约谈被反映人，正在调取案卷")
    assert "东城办-联络员" in notified(rt, "supervise_reply")
    returned = return_reply(rt, actor=office, item_id=item_id, notice_id=notice.id,
                            reason="未说明核查时间表")
    assert returned.state == "returned"
    assert returned.reply_due_at == rt.calendar.add_working_days(clock.now(), 3)
    reply_notice(rt, actor=handler, item_id=item_id, notice_id=notice.id,
                 reply="补充：预计本月底前完成核查")
    done = accept_reply(rt, actor=office, item_id=item_id, notice_id=notice.id)
    assert done.state == "accepted"
    assert triggers(rt, item_id)[-5:] == ["supervise", "supervise_reply", "supervise_return",
                                          "supervise_reply", "supervise_accept"]
    assert row(rt, item_id).state == "investigating"
    assert [n.state for n in list_notices(rt, office, item_id)] == ["accepted"]
    with read_tx(rt.db) as conn:
        report = verify(conn, item_ids=[item_id])
    assert report.ok, report


def _refused(rt: Runtime, error: type[Exception], step: Callable[[], Any]) -> None:
    before = written(rt)
    with pytest.raises(error):
        step()
    assert written(rt) == before


def test_refusals_change_nothing(rt: Runtime, actors: dict[str, Actor]) -> None:
    office, handler = actors["东城办-联络员"], actors["东城公安-承办人"]
    item_id = investigating_lead(rt, actors)
    _refused(rt, RoleForbidden, lambda: issue_notice(
        rt, actor=handler, item_id=item_id, level="general", requirement="x"))
    _refused(rt, InvalidData, lambda: issue_notice(
        rt, actor=office, item_id=item_id, level="purple", requirement="x"))
    _refused(rt, InvalidData, lambda: issue_notice(
        rt, actor=office, item_id=item_id, level="general", requirement="  "))
    _refused(rt, InvalidData, lambda: issue_notice(
        rt, actor=office, item_id=item_id, level="general", requirement="x", reply_days=0))
    _refused(rt, NotFound, lambda: issue_notice(
        rt, actor=actors["西城办-联络员"], item_id=item_id, level="general", requirement="x"))
    notice = issue_notice(rt, actor=office, item_id=item_id, level="general",
                          requirement="请报告进展")
    _refused(rt, TransitionRefused, lambda: accept_reply(
        rt, actor=office, item_id=item_id, notice_id=notice.id))
    _refused(rt, RoleForbidden, lambda: reply_notice(
        rt, actor=actors["省指导组-审计"], item_id=item_id, notice_id=notice.id, reply="x"))
    _refused(rt, NotFound, lambda: reply_notice(
        rt, actor=handler, item_id=item_id, notice_id=notice.id + 99, reply="x"))


def test_only_the_issuing_office_or_one_above_decides(rt: Runtime,
                                                      actors: dict[str, Actor]) -> None:
    """A notice the city office issued is not the county office's to accept."""
    city, county, handler = (actors["市办-线索组"], actors["东城办-联络员"],
                             actors["东城公安-承办人"])
    item_id = investigating_lead(rt, actors)
    notice = issue_notice(rt, actor=city, item_id=item_id, level="red", requirement="限期报告")
    assert notice.issuer_jurisdiction == "5101"
    reply_notice(rt, actor=handler, item_id=item_id, notice_id=notice.id, reply="已报告")
    _refused(rt, Forbidden, lambda: accept_reply(
        rt, actor=county, item_id=item_id, notice_id=notice.id))
    assert accept_reply(rt, actor=city, item_id=item_id, notice_id=notice.id).state == \
        "accepted"


def test_a_closed_item_takes_no_notice(rt: Runtime, actors: dict[str, Actor]) -> None:
    office, handler = actors["东城办-联络员"], actors["东城公安-承办人"]
    item_id = investigating_lead(rt, actors)
    apply(rt, actor=handler, item_id=item_id, trigger="close",
          data={"outcome": "unfounded", "conclusion": "经核查不属实",
                "disposal": "dismiss"})
    _refused(rt, TransitionRefused, lambda: issue_notice(
        rt, actor=office, item_id=item_id, level="general", requirement="x"))
