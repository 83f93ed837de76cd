"""The item page and its actions through the app: labelled fields, the stepper, the actions
this user may take as forms generated from the workflow, a stale form refused with who changed
it, bad input named next to its field with nothing stored, the reporter read with a reason,
bulk actions item by item, and 404 for a sibling county on every URL that names an item."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from api.deps import IdentityConfig
from engine.intake import IdentityCipher, create_lead, generate_key, parse_lead, vocabularies
from engine.storage import EVENT, ITEM, read_tx
from tests.console.pages import (
    CITY_OFFICE,
    DC_HANDLER,
    SUPERVISOR,
    XC_HANDLER,
    XC_OFFICE,
    Console,
    actor,
    assert_offline_clean,
    csrf,
    doc,
    fire,
    new_lead,
    text,
)


def item_row(console: Console, item_id: int) -> Any:
    with read_tx(console.rt.db) as conn:
        return conn.execute(select(ITEM).where(ITEM.c.id == item_id)).one()


def events(console: Console, item_id: int) -> list[str]:
    with read_tx(console.rt.db) as conn:
        return list(conn.execute(select(EVENT.c.trigger).where(EVENT.c.item_id == item_id)
                                 .order_by(EVENT.c.seq)).scalars())


def post_form(client: Any, url: str, fields: dict[str, str]) -> Any:
    """Submit the form at `url` (a GET) as a browser would: its hidden fields, plus `fields`."""
    page = doc(client.get(url))
    (form,) = page.xpath("//form[@method='post' and contains(@action, '/act/')]")
    data = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    return client.post(form.get("action"), data=data | fields)


def test_the_office_transfers_a_lead_through_the_generated_form(console: Console) -> None:
    lead = new_lead(console.rt, "反映某民警违规办案")
    office = console.signed_in(CITY_OFFICE)
    r = office.get(f"/items/{lead}")
    assert r.status_code == 200
    assert_offline_clean(r.text)
    page = doc(r)
    assert text(page, "//ol[@class='stepper']/li") == ["受理2026-03-02 09:00"]
    assert "移交" in text(page, "//div[@class='action-list']/a")
    form = doc(office.get(f"/items/{lead}/act/transfer"))
    assert text(form, "//label[@for='f-unit']") == ["承办单位 *（必填）"]
    units = form.xpath("//select[@name='unit']/option/@value")
    assert "dc-police" in units
    assert form.xpath("//input[@name='version']/@value") == ["1"]
    r = post_form(office, f"/items/{lead}/act/transfer", {"unit": "dc-police",
                                                         "comment": "请核查"})
    assert r.status_code == 303
    assert item_row(console, lead).state == "transferred"
    page = doc(office.get(r.headers["location"]))
    timeline = text(page, "//ol[@class='timeline']/li")
    assert timeline[0].startswith("移交：受理 → 已移交 #2")
    assert "请核查" in timeline[0]
    assert "承办单位：东城区公安分局" in timeline[0]
    assert text(page, "//span[contains(@class, 'badge')]") == ["记录链校验通过"]


def test_a_missing_required_field_is_named_and_nothing_is_stored(console: Console) -> None:
    lead = new_lead(console.rt)
    office = console.signed_in(CITY_OFFICE)
    r = post_form(office, f"/items/{lead}/act/transfer", {"unit": ""})
    assert r.status_code == 422
    assert text(doc(r), "//p[@id='unit-error']") == ["必填"]
    assert doc(r).xpath("//select[@id='f-unit']/@aria-invalid") == ["true"]
    r = post_form(office, f"/items/{lead}/act/transfer", {"unit": "xc-police",
                                                         "assignee": "abc"})
    assert r.status_code == 422
    assert text(doc(r), "//p[@id='assignee-error']") == ["请从列表中选择"]
    assert events(console, lead) == ["create"]
    assert item_row(console, lead).version == 1


def test_a_stale_form_says_who_changed_the_item_and_when(console: Console) -> None:
    lead = new_lead(console.rt)
    office = console.signed_in(CITY_OFFICE)
    stale = doc(office.get(f"/items/{lead}/act/transfer"))
    fire(console.rt, lead, "return_for_info", reason="缺少材料")  # someone else, meanwhile
    fire(console.rt, lead, "resubmit")
    r = office.post(f"/items/{lead}/act/transfer", data={
        "csrf": csrf(stale), "version": "1", "unit": "dc-police"})
    assert r.status_code == 409
    (alert,) = text(doc(r), "//*[@role='alert']/p[1]")
    assert alert == ("此事项已被 市办-线索组 于 2026-03-02 09:00 修改，"
                     "您的表单已过期，未做任何更改。")
    assert item_row(console, lead).state == "received"
    assert events(console, lead) == ["create", "return_for_info", "resubmit"]


def test_the_handler_accepts_and_closes_with_an_outcome(console: Console) -> None:
    lead = new_lead(console.rt)
    fire(console.rt, lead, "transfer", unit="dc-police")
    handler = console.signed_in(DC_HANDLER)
    assert post_form(handler, f"/items/{lead}/act/accept",
                     {"disposal": "talk_inquiry"}).status_code == 303
    form = doc(handler.get(f"/items/{lead}/act/close"))
    assert form.xpath("//select[@name='outcome']/option/text()") == [
        "请选择", "属实", "部分属实", "不属实"]  # the labels lead.yaml declares
    assert len(form.xpath("//textarea[@name='conclusion' and @required]")) == 1
    r = post_form(handler, f"/items/{lead}/act/close", {
        "outcome": "unfounded", "conclusion": "经核查，反映问题不属实",
        "disposal": "talk_inquiry"})
    assert r.status_code == 303
    row = item_row(console, lead)
    assert (row.state, row.data["outcome"]) == ("closed", "unfounded")


def test_only_the_actions_this_user_may_take_are_offered(console: Console) -> None:
    lead = new_lead(console.rt)
    fire(console.rt, lead, "transfer", unit="dc-police")
    supervisor = console.signed_in(SUPERVISOR)
    page = doc(supervisor.get(f"/items/{lead}"))
    assert page.xpath("//div[@class='action-list']") == []
    r = supervisor.get(f"/items/{lead}/act/accept")
    assert r.status_code == 409
    r = supervisor.post(f"/items/{lead}/act/accept",
                        data={"csrf": csrf(page), "version": "2"})
    assert r.status_code == 409
    assert events(console, lead) == ["create", "transfer"]


def test_merge_finds_the_other_lead_by_its_reference(console_sqlite: Console) -> None:
    rt = console_sqlite.rt
    first, second = new_lead(rt, "同一问题一"), new_lead(rt, "同一问题二")
    office = console_sqlite.signed_in(CITY_OFFICE)
    form = doc(office.get(f"/items/{second}/act/merge"))
    (box,) = form.xpath("//input[@name='merge_into__q']")
    results = office.get(box.get("hx-get") + "&q=同一问题", headers={"HX-Request": "true"})
    assert [r.get("value") for r in doc(results).xpath("//input[@type='radio']")] == [
        str(first)]
    r = post_form(office, f"/items/{second}/act/merge", {"merge_into__q": "5101-2026-999999"})
    assert r.status_code == 422
    assert "未找到该编号" in text(doc(r), "//p[@id='merge_into-error']")[0]
    r = post_form(office, f"/items/{second}/act/merge", {"merge_into__q": "5101-2026-000001"})
    assert r.status_code == 303
    assert item_row(console_sqlite, second).data["merge_into"] == first


def test_the_reporter_is_read_only_with_a_reason_and_the_read_is_recorded(
        console_sqlite: Console) -> None:
    rt = console_sqlite.rt
    cipher = IdentityCipher.from_base64(generate_key())
    console_sqlite.app.state.identity = IdentityConfig(
        cipher=cipher, read_roles=frozenset({"office", "admin"}))
    lead = parse_lead({"jurisdiction": "5101", "channel": "letter", "category": "violation",
                       "subject": {"name": "张某", "unit": "某派出所"}, "allegation": "违规",
                       "reporter": {"name": "李举报", "contact": "13800000000"}},
                      vocabularies(rt))
    iid = create_lead(rt, actor=actor(rt, CITY_OFFICE), lead=lead, cipher=cipher).change.item_id
    office = console_sqlite.signed_in(CITY_OFFICE)
    page = office.get(f"/items/{iid}")
    assert "李举报" not in page.text
    assert "13800000000" not in page.text
    assert text(doc(page), "//details/summary") == ["查看举报人"]
    r = office.post(f"/items/{iid}/reporter", data={"csrf": csrf(doc(page)), "reason": ""})
    assert r.status_code == 422
    assert "李举报" not in r.text
    assert events(console_sqlite, iid) == ["create"]
    r = office.post(f"/items/{iid}/reporter",
                    data={"csrf": csrf(doc(page)), "reason": "核实举报内容需联系举报人"})
    assert r.status_code == 200
    assert "李举报" in r.text
    assert r.headers["cache-control"] == "no-store"
    assert events(console_sqlite, iid) == ["create", "read_identity"]
    timeline = text(doc(office.get(f"/items/{iid}")), "//ol[@class='timeline']/li")
    assert timeline[0].startswith("查看举报人")
    assert "核实举报内容需联系举报人" in timeline[0]
    handler = console_sqlite.signed_in(DC_HANDLER)  # not an allowed role: no form at all
    fire(rt, iid, "transfer", unit="dc-police")
    assert doc(handler.get(f"/items/{iid}")).xpath("//details") == []


def test_bulk_transfer_goes_item_by_item_and_lists_each_result(console_sqlite: Console) -> None:
    rt = console_sqlite.rt
    ids = [new_lead(rt, f"批量 {i}") for i in range(3)]
    office = console_sqlite.signed_in(CITY_OFFICE)
    work = doc(office.get("/work?tab=mine"))
    assert "lead:transfer" in work.xpath("//select[@name='action']/option/@value")
    r = office.post("/work/bulk", data={"csrf": csrf(work), "action": "lead:transfer",
                                        "item": [str(i) for i in ids]})
    assert r.status_code == 200
    form = doc(r)
    assert form.xpath("//select[@name='unit']")
    hidden = [(i.get("name"), i.get("value")) for i in form.xpath("//input[@type='hidden']")]
    fire(rt, ids[1], "return_for_info", reason="材料不全")  # one moves meanwhile
    data: dict[str, Any] = {}
    for name, value in hidden:
        data.setdefault(name, []).append(value)
    r = office.post("/work/bulk/apply", data=data | {"unit": "dc-police"})
    assert r.status_code == 200
    results = dict(line.split(" ", 1) for line in text(doc(r), "//ul[@class='results']/li"))
    assert results["5101-2026-000001"] == "批量 0：已办理"
    assert results["5101-2026-000002"].startswith("批量 1：未办理，此事项在您选择之后已被他人修改")
    assert results["5101-2026-000003"] == "批量 2：已办理"
    assert [item_row(console_sqlite, i).state for i in ids] == [
        "transferred", "returned", "transferred"]


def test_bulk_apply_writes_through_the_batched_writer_and_names_the_refused_item(
        console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    """One batch (engine.items.apply_many) for all the ticked items; the one that moved on
    meanwhile (no version sent: refused by its state) is named, the others are applied and
    audited in their chains."""
    import console.bulk as bulk
    from engine.items import apply_many, verify

    batches: list[int] = []

    def counted(*args: Any, **kw: Any) -> Any:
        batches.append(len(kw["moves"]))
        return apply_many(*args, **kw)

    monkeypatch.setattr(bulk, "apply_many", counted)
    rt = console.rt
    ids = [new_lead(rt, f"批量 {i}") for i in range(3)]
    fire(rt, ids[0], "transfer", unit="dc-police")  # no longer transferable
    office = console.signed_in(CITY_OFFICE)
    token = csrf(doc(office.get("/work")))
    r = office.post("/work/bulk/apply", data={"csrf": token, "action": "lead:transfer",
                                              "item": [str(i) for i in ids],
                                              "unit": "dc-police", "comment": "批量移交"})
    assert r.status_code == 200
    results = dict(line.split(" ", 1) for line in text(doc(r), "//ul[@class='results']/li"))
    assert results["5101-2026-000001"] == "批量 0：未办理，当前状态下不能进行此操作"
    assert results["5101-2026-000002"] == "批量 1：已办理"
    assert results["5101-2026-000003"] == "批量 2：已办理"
    assert batches == [3]
    assert [events(console, i) for i in ids] == [["create", "transfer"]] * 3
    with read_tx(rt.db) as conn:
        assert verify(conn, item_ids=ids).ok


def item_urls(item_id: int) -> list[tuple[str, str]]:
    return [("GET", f"/items/{item_id}"), ("GET", f"/items/{item_id}/act/transfer"),
            ("GET", f"/items/{item_id}/act/accept"), ("POST", f"/items/{item_id}/act/accept"),
            ("POST", f"/items/{item_id}/reporter"),
            ("GET", f"/items/{item_id}/supervision/issue"),
            ("POST", f"/items/{item_id}/supervision/issue")]


@pytest.mark.parametrize("login", [XC_HANDLER, XC_OFFICE])
def test_a_sibling_county_gets_404_for_every_url_naming_the_item(console: Console,
                                                                 login: str) -> None:
    lead = new_lead(console.rt, "东城的线索", jurisdiction="510101")
    fire(console.rt, lead, "transfer", unit="dc-police")
    client = console.signed_in(login)
    token = csrf(doc(client.get("/work")))
    for method, url in item_urls(lead) + item_urls(987654):
        r = client.request(method, url, data={"csrf": token, "version": "2",
                                              "reason": "想看一看理由"})
        assert r.status_code == 404, (method, url)
        assert "东城的线索" not in r.text
        assert_offline_clean(r.text)
    assert events(console, lead) == ["create", "transfer"]
    results = client.get("/items/search?field=merge_into&q=东城", headers={"HX-Request": "1"})
    assert "东城的线索" not in results.text


def test_forms_without_the_csrf_token_are_refused(console_sqlite: Console) -> None:
    lead = new_lead(console_sqlite.rt)
    office = console_sqlite.signed_in(CITY_OFFICE)
    for url, data in ((f"/items/{lead}/act/transfer", {"version": "1", "unit": "dc-police"}),
                      (f"/items/{lead}/reporter", {"reason": "核实举报内容"}),
                      ("/work/bulk/apply", {"action": "lead:transfer", "item": str(lead),
                                            "unit": "dc-police"})):
        r = office.post(url, data=data)
        assert r.status_code == 403, url
        r = office.post(url, data=data | {"csrf": "0" * 64})
        assert r.status_code == 403, url
    assert events(console_sqlite, lead) == ["create"]
    r = office.post(f"/items/{lead}/act/transfer", data={"version": "1", "unit": "dc-police"},
                    headers={"X-CSRF-Token": csrf(doc(office.get("/work")))})
    assert r.status_code == 303  # htmx sends the token as a header instead


def test_the_scope_matrix_covers_every_console_url_naming_an_item(
        console_sqlite: Console) -> None:
    from fastapi.routing import iter_route_contexts

    served = sorted({(m, r.path) for r in iter_route_contexts(console_sqlite.app.routes)
                     if r.path and "{item_id}" in r.path and not r.path.startswith("/v1/")
                     for m in set(r.methods or ()) - {"HEAD", "OPTIONS"}})
    covered = {(m, u.replace("/987654", "/{item_id}").replace("/transfer", "/{trigger}")
                .replace("/accept", "/{trigger}").replace("/supervision/issue",
                                                          "/supervision/{step}"))
               for m, u in item_urls(987654)}
    assert set(served) <= covered
