"""The 督导看板 through the app: the table rolled up over the jurisdiction tree (open, closed,
overdue by escalation level, the month's on-time figures as numerator / denominator), every
number a link to the work list that holds exactly what it counts, and the audit-event search
(actor, trigger, dates; scoped; paged; a bad value named next to its field)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine.kernel.clock import ManualClock
from engine.scheduling import run_sweep
from tests.console.pages import (
    CITY_OFFICE,
    DC_HANDLER,
    SUPERVISOR,
    XC_OFFICE,
    Console,
    assert_offline_clean,
    doc,
    fire,
    new_lead,
    text,
)


def _story(console: Console, clock: ManualClock) -> dict[str, int]:
    """Three leads: one closed on time at 东城, one overdue and escalated at 东城, one still
    at the city office."""
    rt = console.rt
    done = new_lead(rt, "按期办结的线索")
    fire(rt, done, "transfer", unit="dc-police")
    fire(rt, done, "accept", who=DC_HANDLER, disposal="talk_inquiry")
    fire(rt, done, "close", who=DC_HANDLER, outcome="unfounded", conclusion="经核查不属实",
         disposal="dismiss")
    late = new_lead(rt, "久拖未办的线索")
    fire(rt, late, "transfer", unit="dc-police")
    waiting = new_lead(rt, "市办待移交的线索")
    clock.advance(timedelta(days=10))
    run_sweep(rt)
    return {"done": done, "late": late, "waiting": waiting}


def current_count(client: Any, url: str) -> int:
    """The count of the current tab of a work list, and that it equals its rows (< a page)."""
    page = doc(client.get(url))
    (n,) = page.xpath("//ul[@class='tabs']//a[@aria-current='page']/span[@class='n']/text()")
    rows = page.xpath("//table[@class='list']/tbody/tr")
    assert len(rows) == int(n), url
    assert not page.xpath("//p[@class='field-error']"), url
    return int(n)


def test_every_number_of_the_rollup_links_to_the_list_it_counts(
        console: Console, clock: ManualClock) -> None:
    _story(console, clock)
    supervisor = console.signed_in(SUPERVISOR)
    r = supervisor.get("/supervise?month=2026-03")
    assert r.status_code == 200
    assert_offline_clean(r.text)
    page = doc(r)
    rows = {tr.get("data-jurisdiction"): tr
            for tr in page.xpath("//table[contains(@class, 'rollup')]/tbody/tr")}
    assert set(rows) >= {"51", "5101", "510101", "510102"}

    def cells(code: str) -> list[str]:
        return [" ".join(td.text_content().split()) for td in rows[code].xpath("td")]

    # 在办, 已办结, 超期未结, by level 0..3, then the figures
    province, city, dongcheng, xicheng = (cells(c) for c in ("51", "5101", "510101", "510102"))
    assert province[:3] == ["2", "1", "2"]
    assert dongcheng[:3] == ["1", "1", "1"]
    assert xicheng[:3] == ["0", "0", "0"]
    assert city[:3] == province[:3]
    assert sum(int(n) for n in dongcheng[3:7]) == 1  # the overdue one, at its level
    assert dongcheng[7].startswith("100.0%")
    assert "（1 / 1）" in dongcheng[7]  # 按期办结率（占办结数）
    checked = 0
    for code, tr in rows.items():
        for a in tr.xpath("td/a"):
            shown = int(a.text_content())
            assert current_count(supervisor, a.get("href")) == shown, (code, a.get("href"))
            checked += 1
    for a in page.xpath("//div[@class='figures']/a | //section//table//td/a[contains("
                        "@href, 'level=')] | //svg//a"):
        number = a.xpath(".//span[@class='n']")
        shown = int((number[0] if number else a).text_content())
        assert current_count(supervisor, a.get("href")) == shown, a.get("href")
        checked += 1
    assert checked > 40


def test_a_bad_month_is_named_next_to_its_field(console_sqlite: Console) -> None:
    page = doc(console_sqlite.signed_in(SUPERVISOR).get("/supervise?month=2026-13"))
    assert text(page, "//div[contains(@class, 'invalid')]//p[@class='field-error']") == [
        "月份格式应为 2026-03"]
    assert page.xpath("//input[@name='month'][@aria-invalid='true']")


def test_the_work_list_takes_the_dashboards_filters_and_names_bad_ones(
        console_sqlite: Console, clock: ManualClock) -> None:
    _story(console_sqlite, clock)
    office = console_sqlite.signed_in(CITY_OFFICE)
    assert current_count(office, "/work?tab=all&jurisdiction=510101") == 2
    assert current_count(office, "/work?tab=all&jurisdiction=510102") == 0
    assert current_count(office, "/work?tab=closed&closed_from=2026-03-01&closed_to=2026-03-31"
                         ) == 1
    assert current_count(office, "/work?tab=closed&closed_from=2026-04-01") == 0
    page = doc(office.get("/work?tab=all&jurisdiction=99&level=x&closed_to=soon"))
    errors = {p.get("id"): p.text_content()
              for p in page.xpath("//p[@class='field-error']")}
    assert errors == {"jurisdiction-error": "没有这个辖区",
                      "level-error": "升级层级应为 0 到 9 的整数",
                      "closed_to-error": "日期格式应为 2026-03-02"}
    # a sibling county's office names 东城 and gets the same answer as for no such place
    xc = console_sqlite.signed_in(XC_OFFICE)
    page = doc(xc.get("/work?tab=all&jurisdiction=510101"))
    assert text(page, "//p[@id='jurisdiction-error']") == ["没有这个辖区"]


def test_the_event_search_filters_by_trigger_actor_and_dates_in_scope(
        console: Console, clock: ManualClock) -> None:
    story = _story(console, clock)
    supervisor = console.signed_in(SUPERVISOR)
    r = supervisor.get("/supervise/events?trigger=transfer")
    assert r.status_code == 200
    assert_offline_clean(r.text)
    rows = text(doc(r), "//table[contains(@class, 'events')]/tbody/tr/td[4]")
    assert rows == ["移交", "移交"]
    handler_id = console.user_ids[DC_HANDLER]
    rows = text(doc(supervisor.get(f"/supervise/events?actor=user:{handler_id}")),
                "//table[contains(@class, 'events')]/tbody/tr/td[4]")
    assert rows == ["承办单位接收并核查", "办结"]
    escalations = doc(supervisor.get("/supervise/events?actor=system"))
    assert text(escalations, "//table[contains(@class, 'events')]/tbody/tr/td[4]")
    assert not doc(supervisor.get("/supervise/events?from=2026-04-01")).xpath(
        "//table[contains(@class, 'events')]/tbody/tr")
    everything = doc(supervisor.get("/supervise/events?from=2026-03-01&to=2026-03-31"))
    refs = set(text(everything, "//table[contains(@class, 'events')]/tbody/tr/td[2]"))
    assert len(refs) == 3
    # 西城's office sees no event of 东城's or the city's items
    xc = doc(console.signed_in(XC_OFFICE).get("/supervise/events"))
    assert not xc.xpath("//table[contains(@class, 'events')]/tbody/tr")
    assert story


def test_the_event_search_names_bad_values_and_pages(console_sqlite: Console,
                                                     clock: ManualClock,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from console import events

    _story(console_sqlite, clock)
    supervisor = console_sqlite.signed_in(SUPERVISOR)
    page = doc(supervisor.get("/supervise/events?trigger=drop_table&actor=user:9999"
                              "&from=2026-03-09&to=2026-03-01"))
    errors = {p.get("id"): p.text_content() for p in page.xpath("//p[@class='field-error']")}
    assert errors == {"trigger-error": "请从列表中选择", "actor-error": "请从列表中选择",
                      "to-error": "截止日期不能早于起始日期"}
    monkeypatch.setattr(events, "PAGE_SIZE", 2)
    seen, url = [], "/supervise/events"
    while url:
        page = doc(supervisor.get(url))
        seen += page.xpath("//table[contains(@class, 'events')]/tbody/tr/@data-event")
        nxt = page.xpath("//nav[@class='pager']/a[contains(., '下一页')]/@href")
        url = nxt[0] if nxt else ""
    assert len(seen) == len(set(seen)) > 4
    assert [int(s) for s in seen] == sorted(int(s) for s in seen)
    handler = console_sqlite.signed_in(DC_HANDLER)
    assert handler.get("/supervise/events").status_code == 404
