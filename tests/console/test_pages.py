"""登记线索, 消息 and 督导看板 through the app, and every page of every role offline-clean."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.kernel.clock import ManualClock
from engine.scheduling import run_sweep
from engine.storage import ITEM, read_tx
from tests.console.pages import (
    ADMIN,
    CITY_HANDLER,
    CITY_OFFICE,
    DC_HANDLER,
    DC_OFFICE,
    SUPERVISOR,
    XC_OFFICE,
    Console,
    assert_offline_clean,
    csrf,
    doc,
    fire,
    new_lead,
    text,
)

LEAD_FORM = {"jurisdiction": "5101", "channel": "letter", "category": "law_enforcement",
             "subject_name": "王某", "subject_unit": "某派出所", "subject_post": "民警",
             "allegation": "办案中违规收受财物", "reporter_kind": "anonymous"}


def item_count(console: Console) -> int:
    with read_tx(console.rt.db) as conn:
        return len(conn.execute(select(ITEM.c.id)).all())


def test_registering_a_lead_checks_duplicates_before_saving(console: Console) -> None:
    office = console.signed_in(CITY_OFFICE)
    page = doc(office.get("/leads/new"))
    assert page.xpath("//select[@name='jurisdiction']/option[@selected]/@value") == ["5101"]
    token = csrf(page)
    r = office.post("/leads/new", data=LEAD_FORM | {"csrf": token})
    assert r.status_code == 200
    assert text(doc(r), "//section[@aria-labelledby='h-dups']/p")[0] == \
        "您的辖区内没有反映同一被反映人的线索。"
    assert item_count(console) == 0  # checked, not saved
    r = office.post("/leads/new", data=LEAD_FORM | {"csrf": token, "step": "save"})
    assert r.status_code == 200
    assert "线索已登记" in r.text
    assert r.headers["cache-control"] == "no-store"
    assert item_count(console) == 1
    r = office.post("/leads/new", data=LEAD_FORM | {"csrf": token, "subject_name": " 王某 "})
    dups = text(doc(r), "//section[@aria-labelledby='h-dups']//li")
    assert len(dups) == 1
    assert dups[0].startswith("5101-2026-000001")


def test_a_bad_lead_is_named_field_by_field_and_not_stored(console_sqlite: Console) -> None:
    office = console_sqlite.signed_in(CITY_OFFICE)
    token = csrf(doc(office.get("/leads/new")))
    r = office.post("/leads/new", data=LEAD_FORM | {
        "csrf": token, "channel": "pigeon", "subject_name": "", "allegation": "",
        "reporter_kind": "named", "step": "save"})
    assert r.status_code == 422
    page = doc(r)
    assert text(page, "//p[@id='channel-error']") == ["请从列表中选择"]
    assert text(page, "//p[@id='subject_name-error']") == ["必填"]
    assert text(page, "//p[@id='allegation-error']") == ["必填"]
    assert text(page, "//p[@id='reporter_name-error']") == ["具名举报须填写举报人姓名"]
    assert page.xpath("//input[@name='subject_unit']/@value") == ["某派出所"]  # kept
    assert item_count(console_sqlite) == 0


def test_a_named_reporter_without_an_identity_key_is_refused_clearly(
        console_sqlite: Console) -> None:
    office = console_sqlite.signed_in(CITY_OFFICE)
    token = csrf(doc(office.get("/leads/new")))
    r = office.post("/leads/new", data=LEAD_FORM | {
        "csrf": token, "reporter_kind": "named", "reporter_name": "李某", "step": "save"})
    assert r.status_code == 503
    assert "未配置身份密钥" in text(doc(r), "//*[@role='alert']")[0]
    assert item_count(console_sqlite) == 0


def test_a_sibling_county_sees_no_duplicate_of_another_countys_lead(console: Console) -> None:
    dc = console.signed_in(DC_OFFICE)
    token = csrf(doc(dc.get("/leads/new")))
    form = LEAD_FORM | {"jurisdiction": "510101", "csrf": token}
    assert dc.post("/leads/new", data=form | {"step": "save"}).status_code == 200
    xc = console.signed_in(XC_OFFICE)
    token = csrf(doc(xc.get("/leads/new")))
    r = xc.post("/leads/new", data=form | {"jurisdiction": "510102", "csrf": token})
    assert text(doc(r), "//section[@aria-labelledby='h-dups']/p")[0] == \
        "您的辖区内没有反映同一被反映人的线索。"


def test_notifications_are_listed_and_marked_read(console_sqlite: Console,
                                                  clock: ManualClock) -> None:
    rt = console_sqlite.rt
    lead = new_lead(rt, "久拖未办的线索")
    fire(rt, lead, "transfer", unit="dc-police")
    clock.advance(timedelta(days=10))
    run_sweep(rt)
    handler = console_sqlite.signed_in(DC_OFFICE)  # escalations go to the offices
    page = doc(handler.get("/notifications"))
    rows = text(page, "//table[@class='list']/tbody/tr")
    assert rows
    assert any("久拖未办的线索" in r for r in rows)
    assert text(page, "//nav//span[@class='count']")
    r = handler.post("/notifications/read", data={"csrf": csrf(page), "all": "1"})
    assert r.status_code == 303
    assert "未读 0 条" in doc(handler.get("/notifications")).text_content()


def test_the_supervisor_sees_counts_and_verifies_every_chain(console: Console) -> None:
    lead = new_lead(console.rt)
    fire(console.rt, lead, "transfer", unit="dc-police")
    supervisor = console.signed_in(SUPERVISOR)
    page = doc(supervisor.get("/supervise"))
    figures = text(page, "//div[@class='figures']/a")
    assert figures[0] == "1事项总数"
    assert page.xpath("//svg[@role='img']")
    assert "/work?tab=all&state=transferred" in page.xpath("//svg//a/@href")
    r = supervisor.post("/supervise/verify", data={"csrf": csrf(page)})
    assert text(doc(r), "//p[@role='status']")[0].startswith("全部校验通过 已校验 1 件事项")
    handler = console.signed_in(DC_HANDLER)
    assert handler.get("/supervise").status_code == 404


PAGES = ["/work", "/work?tab=incoming", "/work?tab=overdue", "/work?tab=closed",
         "/leads/new", "/notifications", "/supervise", "/password", "/items/1",
         "/items/1/act/transfer", "/items/search?field=merge_into&q=线索",
         "/supervise/events", "/workflows", "/workflows/lead", "/workflows/rectification",
         "/admin", "/admin/users", "/admin/users/3", "/admin/calendar"]


@pytest.mark.parametrize("login", [CITY_OFFICE, CITY_HANDLER, DC_HANDLER, SUPERVISOR, ADMIN])
def test_every_page_for_every_role_is_offline_clean(console_sqlite: Console,
                                                    login: str) -> None:
    new_lead(console_sqlite.rt, "一条线索")
    client = console_sqlite.signed_in(login)
    for url in PAGES:
        r = client.get(url)
        assert r.status_code in (200, 403, 404, 409), (url, r.status_code)
        assert_offline_clean(r.text)
        assert r.headers["content-security-policy"].startswith("default-src 'self'")
        if "<html" in r.text:
            assert doc(r).get("lang") == "zh-CN"
            for control in doc(r).xpath("//input[not(@type='hidden') and not(@type='checkbox')"
                                        " and not(@type='radio')] | //select | //textarea"):
                ident = control.get("id")
                assert ident, (url, control.get("name"))
                labelled = doc(r).xpath(f"//label[@for='{ident}']") or control.get(
                    "aria-label")
                assert labelled, (url, ident)
