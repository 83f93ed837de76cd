"""督办 and 延期 on the item page, through the app on both databases: the notices with their
level's label, reply deadline and replies, the extension requests with original and new due
time, the steps this user may take as forms (labelled, required marked, the engine's refusal
next to its field, nothing stored), the steps in the history with Chinese labels, the level
counts and filter of the 工作台, notification labels, 404 out of scope, CSRF refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from engine.storage import EVENT, EXTENSION, NOTICE, read_tx
from tests.console.pages import (
    CITY_OFFICE,
    DC_HANDLER,
    XC_HANDLER,
    XC_OFFICE,
    Console,
    assert_offline_clean,
    csrf,
    doc,
    fire,
    new_lead,
    text,
)


def triggers(console: Console, item_id: int) -> list[str]:
    with read_tx(console.rt.db) as conn:
        return list(conn.execute(select(EVENT.c.trigger).where(EVENT.c.item_id == item_id)
                                 .order_by(EVENT.c.seq)).scalars())


def rows(console: Console, table: Any) -> int:
    with read_tx(console.rt.db) as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def submit(client: Any, url: str, fields: dict[str, str]) -> Any:
    """Post the form of the step page at `url` as a browser would: its hidden fields and
    `fields`."""
    page = doc(client.get(url))
    (form,) = page.xpath("//form[@method='post' and contains(@action, '/supervision/')]")
    data = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    return client.post(form.get("action"), data=data | fields)


def steps(client: Any, item_id: int) -> dict[str, str]:
    page = doc(client.get(f"/items/{item_id}"))
    return {" ".join(a.text_content().split()): a.get("href")
            for a in page.xpath("//div[contains(@class, 'supervision-steps')]/a")}


def section(client: Any, item_id: int) -> Any:
    r = client.get(f"/items/{item_id}")
    assert r.status_code == 200
    assert_offline_clean(r.text)
    return doc(r)


def transferred_lead(console: Console, title: str = "反映某民警违规办案") -> int:
    lead = new_lead(console.rt, title)
    fire(console.rt, lead, "transfer", unit="dc-police")
    return lead


def test_the_office_issues_a_notice_the_handler_replies_and_the_office_accepts(
        console: Console) -> None:
    lead = transferred_lead(console)
    office = console.signed_in(CITY_OFFICE)
    offered = steps(office, lead)
    assert offered["下达督办通知"] == f"/items/{lead}/supervision/issue"
    form = doc(office.get(offered["下达督办通知"]))
    assert text(form, "//label[@for='f-level']") == ["督办级别 *（必填）"]
    assert text(form, "//label[@for='f-requirement']") == ["督办要求 *（必填）"]
    assert text(form, "//label[@for='f-reply_days']") == ["反馈期限（工作日）"]
    assert text(form, "//select[@name='level']/option") == ["请选择", "一般", "黄牌", "红牌"]
    assert form.xpath("//input[@name='reply_days']/@value") == ["3"]

    r = submit(office, offered["下达督办通知"], {"level": "yellow", "requirement": "  "})
    assert r.status_code == 422
    assert text(doc(r), "//p[@id='requirement-error']") == ["必填"]
    assert doc(r).xpath("//select[@name='level']/option[@selected]/@value") == ["yellow"]
    assert rows(console, NOTICE) == 0
    assert triggers(console, lead) == ["create", "transfer"]

    r = submit(office, offered["下达督办通知"], {"level": "yellow",
                                               "requirement": "请三日内报告核查进展"})
    assert r.status_code == 303
    page = section(office, lead)
    (notice,) = text(page, "//ol[@class='notices']/li")
    assert notice.startswith("#1 黄牌 · 待反馈")
    assert "市办-线索组 于 2026-03-02 09:00 下达 · 反馈截止 2026-03-05 09:00 · 剩 3 个工作日" \
        in notice
    assert "请三日内报告核查进展" in notice
    timeline = text(page, "//ol[@class='timeline']/li")
    assert timeline[0].startswith("下达督办通知 #3")
    assert "督办级别：黄牌" in timeline[0]
    assert "反馈截止：2026-03-05 09:00" in timeline[0]
    assert "督办单位：示范市" in timeline[0], timeline[0]  # the issuing office by name
    assert {"下达督办通知", "反馈督办通知 #1"} <= set(steps(office, lead))  # office may reply

    handler = console.signed_in(DC_HANDLER)
    assert "下达督办通知" not in steps(handler, lead)  # handlers do not issue
    # the county's handler reads the city office that wrote to them by name, not by code
    assert "督办单位：示范市" in text(section(handler, lead), "//ol[@class='timeline']/li")[0]
    url = steps(handler, lead)["反馈督办通知 #1"]
    assert url == f"/items/{lead}/supervision/reply?of=1"
    r = submit(handler, url, {"reply": "已约谈当事民警，材料后补"})
    assert r.status_code == 303
    page = section(handler, lead)
    (notice,) = text(page, "//ol[@class='notices']/li")
    assert notice.startswith("#1 黄牌 · 已反馈，待认可")
    assert "反馈（2026-03-02 09:00）：已约谈当事民警，材料后补" in notice
    assert text(page, "//ol[@class='timeline']/li")[0].startswith("督办反馈 #4")
    kinds = text(doc(handler.get("/notifications")), "//td[@data-label='类型']")
    assert any(k.startswith("督办通知") for k in kinds), kinds
    # a notice's level is not an escalation level: no "· N 级" after it
    assert not any(k.startswith("督办") and "级" in k for k in kinds), kinds

    r = submit(office, steps(office, lead)["认可反馈 #1"], {"comment": "同意"})
    assert r.status_code == 303
    page = section(office, lead)
    assert text(page, "//ol[@class='notices']/li")[0].startswith("#1 黄牌 · 已认可")
    assert text(page, "//ol[@class='timeline']/li")[0].startswith("认可督办反馈 #5")
    assert triggers(console, lead) == ["create", "transfer", "supervise", "supervise_reply",
                                       "supervise_accept"]
    kinds = text(doc(office.get("/notifications")), "//td[@data-label='类型']")
    assert any(k.startswith("督办反馈") for k in kinds), kinds


def test_work_rows_show_notices_by_level_and_filter_by_level(console: Console) -> None:
    pressed = transferred_lead(console, "被督办的")
    transferred_lead(console, "未督办的")
    office = console.signed_in(CITY_OFFICE)
    submit(office, f"/items/{pressed}/supervision/issue", {"level": "yellow",
                                                          "requirement": "请加快办理"})
    listing = doc(office.get("/work?tab=all"))
    row = next(r for r in listing.xpath("//table//tbody/tr") if "被督办的" in r.text_content())
    assert "黄牌×1" in " ".join(row.text_content().split())
    other = next(r for r in listing.xpath("//table//tbody/tr") if "未督办的" in r.text_content())
    assert "×" not in other.text_content()
    yellow = " ".join(doc(office.get("/work?tab=all&notice=yellow")).text_content().split())
    assert "被督办的" in yellow
    assert "未督办的" not in yellow
    red = " ".join(doc(office.get("/work?tab=all&notice=red")).text_content().split())
    assert "被督办的" not in red
    bad = office.get("/work?tab=all&notice=purple")
    assert text(doc(bad), "//p[@id='notice-error']") == ["没有这个督办级别"]



def test_an_extension_is_asked_approved_with_fewer_days_and_another_refused(
        console: Console) -> None:
    lead = transferred_lead(console)
    handler, office = console.signed_in(DC_HANDLER), console.signed_in(CITY_OFFICE)
    url = steps(handler, lead)["申请延期"]
    form = doc(handler.get(url))
    assert text(form, "//label[@for='f-working_days']") == ["申请延期（工作日） *（必填）"]
    r = submit(handler, url, {"working_days": "9", "reason": "当事人出差"})
    assert r.status_code == 422
    assert text(doc(r), "//p[@id='working_days-error']") == ["须为 1 到 3 个工作日"]
    r = submit(handler, url, {"working_days": "两天", "reason": "当事人出差"})
    assert text(doc(r), "//p[@id='working_days-error']") == ["须为整数"]
    assert rows(console, EXTENSION) == 0
    assert submit(handler, url, {"working_days": "3", "reason": "当事人出差"}).status_code == 303
    assert "申请延期" not in steps(handler, lead)  # one pending at a time

    approve = steps(office, lead)["批准延期 #1"]
    assert doc(office.get(approve)).xpath("//input[@name='working_days']/@value") == ["3"]
    assert submit(office, approve, {"working_days": "2", "comment": "准予"}).status_code == 303
    page = section(office, lead)
    assert text(page, "//table[@class='extensions']/tbody/tr[1]/td") == [
        "#1", "已移交", "3 个工作日：当事人出差东城公安-承办人 · 2026-03-02 09:00",
        "2 个工作日", "已批准：准予",
        "2026-03-09 09:00 → 2026-03-11 09:00"]  # two working days on the old due time
    assert text(page, "//ol[@class='timeline']/li")[0].startswith("批准延期 #4")

    fire(console.rt, lead, "accept", who=DC_HANDLER, disposal="talk_inquiry")
    assert submit(handler, steps(handler, lead)["申请延期"],
                  {"working_days": "5", "reason": "需调取监控"}).status_code == 303
    due_before = text(section(office, lead), "//dl[@class='fields']/dd")[1]
    refuse = steps(office, lead)["不予批准延期 #2"]
    r = submit(office, refuse, {"reason": ""})
    assert r.status_code == 422
    assert text(doc(r), "//p[@id='reason-error']") == ["必填"]
    assert submit(office, refuse, {"reason": "期限充足"}).status_code == 303
    page = section(office, lead)
    assert text(page, "//table[@class='extensions']/tbody/tr[2]/td")[3:] == [
        "—", "未批准：期限充足", f"{due_before} → —"]
    assert text(page, "//ol[@class='timeline']/li")[0].startswith("不予批准延期")


@pytest.mark.parametrize("login", [XC_HANDLER, XC_OFFICE])
def test_a_sibling_county_gets_404_for_the_supervision_urls(console: Console,
                                                           login: str) -> None:
    lead = new_lead(console.rt, "东城的线索", jurisdiction="510101")
    fire(console.rt, lead, "transfer", unit="dc-police")
    office = console.signed_in(CITY_OFFICE)
    submit(office, f"/items/{lead}/supervision/issue", {"level": "general",
                                                       "requirement": "请报告"})
    client = console.signed_in(login)
    token = csrf(doc(client.get("/work")))
    for step in ("issue", "reply?of=1", "accept?of=1", "return?of=1", "extension",
                 "approve?of=1", "refuse?of=1"):
        url = f"/items/{lead}/supervision/{step}"
        for method in ("GET", "POST"):
            r = client.request(method, url, data={"csrf": token, "of": "1", "level": "red",
                                                  "requirement": "越权", "reply": "越权"})
            assert r.status_code == 404, (method, url)
            assert "东城的线索" not in r.text
    assert triggers(console, lead) == ["create", "transfer", "supervise"]


def test_supervision_forms_without_the_csrf_token_are_refused(console: Console) -> None:
    lead = transferred_lead(console)
    office = console.signed_in(CITY_OFFICE)
    data = {"level": "red", "requirement": "请报告"}
    assert office.post(f"/items/{lead}/supervision/issue", data=data).status_code == 403
    assert office.post(f"/items/{lead}/supervision/issue",
                       data=data | {"csrf": "0" * 64}).status_code == 403
    assert rows(console, NOTICE) == 0
    assert triggers(console, lead) == ["create", "transfer"]


def test_a_step_not_open_to_the_user_is_refused_and_stores_nothing(console: Console) -> None:
    lead = transferred_lead(console)
    handler = console.signed_in(DC_HANDLER)
    token = csrf(doc(handler.get("/work")))
    r = handler.post(f"/items/{lead}/supervision/issue",
                     data={"csrf": token, "level": "red", "requirement": "自己督办自己"})
    assert r.status_code == 409
    assert "您现在不能进行此操作" in r.text
    assert rows(console, NOTICE) == 0
