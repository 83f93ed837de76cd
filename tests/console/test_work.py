"""The 工作台 through the app: tabs with counts, rows with their light and word, order by
working days left, filters in the URL (a bad one named next to its field), keyset pages,
the auto-refresh fragment, scope, and every page offline-clean."""

from __future__ import annotations

from datetime import timedelta

from engine.kernel.clock import ManualClock
from tests.console.pages import (
    CITY_OFFICE,
    DC_HANDLER,
    XC_HANDLER,
    Console,
    assert_offline_clean,
    doc,
    fire,
    new_lead,
    text,
)


def tab_counts(page: object) -> dict[str, int]:
    out = {}
    for a in page.xpath("//ul[@class='tabs']//a"):  # type: ignore[attr-defined]
        out[a.text.strip()] = int(a.xpath("span[@class='n']")[0].text)
    return out


def rows(page: object) -> list[list[str]]:
    return [[" ".join(td.text_content().split()) for td in tr.xpath("td")[1:]]
            for tr in page.xpath("//table[@class='list']/tbody/tr")]  # type: ignore[attr-defined]


def test_a_transferred_lead_waits_in_the_handlers_incoming_tab(console: Console) -> None:
    rt = console.rt
    lead = new_lead(rt, "反映某民警接处警推诿")
    fire(rt, lead, "transfer", unit="dc-police")
    handler = console.signed_in(DC_HANDLER)
    r = handler.get("/work?tab=incoming")
    assert r.status_code == 200
    assert_offline_clean(r.text)
    page = doc(r)
    counts = tab_counts(page)
    assert counts["待签收"] == 1
    assert counts["我的待办"] == 0
    assert rows(page) == [["5101-2026-000001", "反映某民警接处警推诿 问题线索", "已移交",
                           "东城区公安分局", "—", "剩 5 个工作日", "绿", "—", "—"]]
    fire(rt, lead, "accept", who=DC_HANDLER, disposal="talk_inquiry")
    counts = tab_counts(doc(handler.get("/work?tab=incoming")))
    assert (counts["待签收"], counts["我的待办"]) == (0, 1)


def test_a_sibling_countys_handler_sees_none_of_it(console: Console) -> None:
    lead = new_lead(console.rt)
    fire(console.rt, lead, "transfer", unit="dc-police")
    page = doc(console.signed_in(XC_HANDLER).get("/work?tab=incoming"))
    assert set(tab_counts(page).values()) == {0}
    assert rows(page) == []


def test_overdue_items_are_red_with_the_word_and_their_level(console_sqlite: Console,
                                                             clock: ManualClock) -> None:
    rt = console_sqlite.rt
    late = new_lead(rt, "早登记的线索")
    clock.advance(timedelta(days=3))
    new_lead(rt, "后登记的线索")
    clock.advance(timedelta(days=6))  # the first is 5 working days old by Monday 2026-03-09
    office = console_sqlite.signed_in(CITY_OFFICE)
    page = doc(office.get("/work?tab=overdue"))
    assert tab_counts(page)["已超期"] == 1
    (row,) = rows(page)
    assert row[0] == "5101-2026-000001"
    assert row[5:7] == ["超期 2 个工作日", "红"]
    assert late  # the one created first
    mine = rows(doc(office.get("/work?tab=mine")))
    assert [r[1] for r in mine] == ["早登记的线索 问题线索", "后登记的线索 问题线索"]
    assert [r[6] for r in mine] == ["红", "黄"]  # ordered by working days left


def test_filters_are_in_the_url_and_a_bad_one_is_named(console_sqlite: Console) -> None:
    rt = console_sqlite.rt
    new_lead(rt, "来信反映", channel="letter")
    new_lead(rt, "来电反映", channel="phone")
    office = console_sqlite.signed_in(CITY_OFFICE)
    page = doc(office.get("/work?tab=mine&channel=phone"))
    assert [r[1] for r in rows(page)] == ["来电反映 问题线索"]
    assert page.xpath("//select[@name='channel']/option[@selected]/@value") == ["phone"]
    assert page.xpath("//ul[@class='tabs']//a/@href")[0] == "/work?tab=incoming&channel=phone"
    page = doc(office.get("/work?tab=mine&from=2026-13-01&q=来"))
    assert text(page, "//p[@id='from-error']") == ["日期格式应为 2026-03-02"]
    assert page.xpath("//input[@id='f-from']/@aria-describedby") == ["from-error"]
    assert len(rows(page)) == 2  # the bad filter is left out, the good one kept
    page = doc(office.get("/work?tab=mine&q=来电"))
    assert [r[1] for r in rows(page)] == ["来电反映 问题线索"]


def test_keyset_pages_cover_every_item_once(console_sqlite: Console,
                                            clock: ManualClock) -> None:
    rt = console_sqlite.rt
    for i in range(57):
        new_lead(rt, f"线索 {i:02d}")
        clock.advance(timedelta(minutes=1))
    office = console_sqlite.signed_in(CITY_OFFICE)
    first = doc(office.get("/work?tab=mine"))
    assert len(rows(first)) == 50
    (next_url,) = first.xpath("//nav[@class='pager']/a[contains(., '下一页')]/@href")
    second = doc(office.get(next_url))
    seen = [r[1] for r in rows(first) + rows(second)]
    assert seen == [f"线索 {i:02d} 问题线索" for i in range(57)]
    assert second.xpath("//nav[@class='pager']/a[contains(., '下一页')]") == []
    broken = doc(office.get("/work?tab=mine&cursor=not-a-cursor"))
    assert "翻页位置已失效" in broken.text_content()


def test_the_auto_refresh_fetches_the_list_alone(console_sqlite: Console) -> None:
    new_lead(console_sqlite.rt)
    office = console_sqlite.signed_in(CITY_OFFICE)
    page = doc(office.get("/work"))
    (box,) = page.xpath("//div[@id='work-list']")
    assert box.get("hx-trigger") == "every 60s"
    fragment = office.get(box.get("hx-get"), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="work-list"')
    assert "<html" not in fragment.text


def test_the_tab_counts_are_one_query_per_scope_branch_equal_to_each_tabs_own_count(
        console: Console) -> None:
    """The 工作台 counts its tabs in one query per alternative of the scope (a handler: unit,
    then assigned outside it; not one per tab) and each count is the same as that tab's own
    `count_work`, with and without filters from the URL."""
    from dataclasses import replace

    from sqlalchemy import event

    from console.queues import tabs
    from console.work import latest_workflows
    from engine.items import WorkFilters, count_work, count_work_tabs
    from engine.storage import read_tx
    from tests.console.pages import actor

    rt = console.rt
    moved = new_lead(rt, "已移交的线索")
    fire(rt, moved, "transfer", unit="dc-police")
    new_lead(rt, "电话线索", channel="phone")
    done = new_lead(rt, "核查中的线索")
    fire(rt, done, "transfer", unit="dc-police")
    fire(rt, done, "accept", who=DC_HANDLER, disposal="talk_inquiry")
    now = rt.clock.now()
    for login in (CITY_OFFICE, DC_HANDLER, XC_HANDLER):
        who = actor(rt, login)
        for base in (WorkFilters(), WorkFilters(channel="phone"),
                     replace(WorkFilters(), states=("transferred",))):
            all_tabs = tabs(who, latest_workflows(rt), rt.calendar, now, base)
            with read_tx(rt.db) as conn:
                one = {t.key: count_work(conn, who, t.filters, now=now) for t in all_tabs}
                grouped = count_work_tabs(conn, who, {t.key: t.filters for t in all_tabs},
                                          within=base, now=now)
            assert grouped == one, (login, base)
    assert sum(one.values()) == 0 or one  # a real comparison happened above
    seen: list[str] = []

    def capture(_c: object, _cur: object, statement: str, *_: object) -> None:
        sql = statement.lower()
        if "from item " in sql and ("count(" in sql or "sum(" in sql):
            seen.append(statement)

    handler = console.signed_in(DC_HANDLER)
    event.listen(rt.db, "before_cursor_execute", capture)
    try:
        page = doc(handler.get("/work?tab=incoming"))
    finally:
        event.remove(rt.db, "before_cursor_execute", capture)
    assert tab_counts(page)["我的待办"] == 1
    assert len(seen) == 2, seen


def test_work_pages_run_from_dated_items_into_undated_ones(console: Console,
                                                           clock: ManualClock) -> None:
    """Items due soonest first, then those without a due time (a paused clock), by id; the
    keyset pages cross from one to the other without losing or repeating an item."""
    from engine.items import WorkFilters, list_work
    from engine.storage import read_tx
    from tests.console.pages import actor

    rt = console.rt
    ids = []
    for i in range(5):
        ids.append(new_lead(rt, f"线索 {i}"))
        clock.advance(timedelta(hours=1))
    for paused in (ids[1], ids[3]):
        fire(rt, paused, "return_for_info", reason="请补充材料")
    office = actor(rt, CITY_OFFICE)
    seen, cursor = [], None
    with read_tx(rt.db) as conn:
        while True:
            page = list_work(conn, office, WorkFilters(), now=rt.clock.now(), limit=2,
                             cursor=cursor)
            seen += [(r.id, r.due_at is None) for r in page.rows]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert seen == [(ids[0], False), (ids[2], False), (ids[4], False),
                    (ids[1], True), (ids[3], True)]
