"""The console in a real browser (headless Chromium, tests/console/browser.py): the day's work
end to end — the city office signs in, registers a lead and transfers it; the county handler
finds it in 待签收, accepts it and closes it with an outcome; the supervisor sees it counted
and every chain verified — plus a stale form, a bulk transfer and a supervision notice
issued by the office and replied by the handler. Every page loads nothing
from another host and breaks no CSP rule. Screenshots go to LEADFLOW_SCREENSHOTS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.runtime import Runtime
from tests.console.browser import LiveServer, RecordedPage
from tests.console.pages import (
    ADMIN,
    CITY_OFFICE,
    DC_HANDLER,
    PASSWORD,
    SUPERVISOR,
    Console,
    fire,
    make_console,
    new_lead,
)

pytestmark = pytest.mark.browser
TIMEOUT_MS = 15_000


@pytest.fixture
def served(rt_sqlite: Runtime) -> Iterator[tuple[Console, LiveServer]]:
    console = make_console(rt_sqlite)
    with LiveServer(console.app) as server:
        yield console, server


def assert_clean(recorded: RecordedPage, server: LiveServer) -> None:
    assert recorded.csp_violations() == []
    # a refused form answers 409/422 on purpose, which Chromium logs as a failed load
    assert [e for e in recorded.console_errors()
            if "the server responded with a status of 4" not in e] == []
    assert recorded.page_errors == []
    assert recorded.foreign_requests(server.url) == []


def sign_in(recorded: RecordedPage, server: LiveServer, login: str) -> None:
    p = recorded.page
    p.goto(f"{server.url}/login")
    p.get_by_label("登录名").fill(login)
    p.get_by_label("密码").fill(PASSWORD)
    p.get_by_role("button", name="登录").click()
    p.wait_for_url(f"{server.url}/work", timeout=TIMEOUT_MS)


def sign_out(recorded: RecordedPage) -> None:
    recorded.page.get_by_role("button", name="退出", exact=True).click()
    recorded.page.wait_for_url("**/login?bye=1", timeout=TIMEOUT_MS)


def shot(recorded: RecordedPage, screenshots: Path, name: str) -> None:
    recorded.page.screenshot(path=screenshots / f"console-{name}.png", full_page=True)


def test_the_days_work_end_to_end(page: RecordedPage, served: tuple[Console, LiveServer],
                                  screenshots: Path) -> None:
    _, server = served
    p = page.page
    p.set_default_timeout(TIMEOUT_MS)
    p.goto(f"{server.url}/work")
    p.wait_for_url("**/login?next=*")
    shot(page, screenshots, "01-login")
    sign_in(page, server, CITY_OFFICE)

    # the city office registers a lead: checked for duplicates, then saved
    p.get_by_role("link", name="登记线索").click()
    p.get_by_label("受理渠道").select_option(label="来信")
    p.get_by_label("问题类别").select_option(label="执法办案")
    p.get_by_role("group", name="被反映人").get_by_label("姓名").fill("赵某")
    p.get_by_label("所在单位").fill("东城区公安分局某派出所")
    p.get_by_label("反映的问题").fill("反映其在办理一起盗窃案件中违规收受当事人财物。")
    shot(page, screenshots, "02-register-lead")
    p.get_by_role("button", name="查重并核对").click()
    p.get_by_text("您的辖区内没有反映同一被反映人的线索。").wait_for()
    p.get_by_role("button", name="确认登记").click()
    p.get_by_role("heading", name="线索已登记").wait_for()
    ref = p.locator("p[role=status] a.ref").inner_text()
    shot(page, screenshots, "03-lead-saved")

    # and transfers it to the competent unit, through the generated form
    p.get_by_role("link", name="打开线索，移交承办单位").click()
    p.get_by_role("link", name="移交", exact=True).click()
    p.get_by_label("承办单位").select_option("dc-police")
    p.get_by_label("办理意见（选填）").fill("请依规核查，按期反馈。")
    shot(page, screenshots, "04-transfer-form")
    p.get_by_role("button", name="确认移交").click()
    p.get_by_text("已办理。").wait_for()
    assert p.locator("dd .state").inner_text() == "已移交"
    assert_clean(page, server)
    sign_out(page)

    # the county handler finds it in 待签收, accepts it and closes it with an outcome
    sign_in(page, server, DC_HANDLER)
    p.get_by_role("link", name="待签收").click()
    row = p.locator("table.list tbody tr", has_text=ref)
    assert row.locator("td[data-label=预警]").inner_text() == "绿"
    shot(page, screenshots, "05-handler-incoming")
    row.get_by_role("link", name=ref).click()
    p.get_by_role("link", name="承办单位接收并核查").click()
    p.get_by_label("处置方式").select_option(label="初步核实")
    p.get_by_role("button", name="确认承办单位接收并核查").click()
    p.get_by_text("已办理。").wait_for()
    p.get_by_role("link", name="办结", exact=True).click()
    p.get_by_label("核查结论").select_option(label="不属实")
    p.get_by_label("核查情况").fill("经调取案卷、询问当事人，反映问题不属实，予以澄清。")
    p.get_by_label("处置方式").select_option(label="初步核实")
    shot(page, screenshots, "06-close-form")
    p.get_by_role("button", name="确认办结").click()
    p.get_by_text("已办理。").wait_for()
    assert p.locator("dd .state").inner_text() == "办结"
    assert p.locator(".badge-ok").inner_text() == "记录链校验通过"
    shot(page, screenshots, "07-item-closed")
    assert_clean(page, server)
    sign_out(page)

    # the supervisor sees it counted and verifies every chain
    sign_in(page, server, SUPERVISOR)
    p.get_by_role("link", name="督导看板").click()
    assert p.locator(".figure", has_text="已办结").locator(".n").inner_text() == "1"
    p.get_by_role("button", name="校验全部记录链").click()
    p.get_by_text("全部校验通过").wait_for()
    shot(page, screenshots, "08-supervisor")
    assert_clean(page, server)


def test_a_stale_form_is_refused_and_says_why(page: RecordedPage,
                                             served: tuple[Console, LiveServer],
                                             screenshots: Path) -> None:
    console, server = served
    lead = new_lead(console.rt, "两人同时办理的线索")
    p = page.page
    p.set_default_timeout(TIMEOUT_MS)
    sign_in(page, server, CITY_OFFICE)
    p.goto(f"{server.url}/items/{lead}")
    p.get_by_role("link", name="移交", exact=True).click()
    p.get_by_label("承办单位").select_option("dc-police")
    fire(console.rt, lead, "return_for_info", reason="缺少举报材料")  # a colleague, meanwhile
    p.get_by_role("button", name="确认移交").click()
    alert = p.get_by_role("alert")
    alert.wait_for()
    assert "此事项已被 市办-线索组" in alert.inner_text()
    assert "您的表单已过期，未做任何更改" in alert.inner_text()
    shot(page, screenshots, "09-stale-form")
    alert.get_by_role("link", name="重新加载事项").click()
    assert p.locator("dd .state").inner_text() == "退回补充"
    assert_clean(page, server)


def test_a_bulk_transfer_lists_each_result(page: RecordedPage,
                                           served: tuple[Console, LiveServer],
                                           screenshots: Path) -> None:
    console, server = served
    ids = [new_lead(console.rt, f"待分办线索 {i}") for i in range(3)]
    p = page.page
    p.set_default_timeout(TIMEOUT_MS)
    sign_in(page, server, CITY_OFFICE)
    shot(page, screenshots, "10-work")
    p.get_by_label("全选本页").check()
    p.get_by_label("对勾选的事项").select_option("lead:transfer")
    p.get_by_role("button", name="批量办理…").click()
    p.get_by_label("承办单位").select_option("dc-police")
    fire(console.rt, ids[0], "return_for_info", reason="需补充")  # one moves meanwhile
    p.get_by_role("button", name="逐条办理").click()
    p.get_by_text("成功 2 条，未办理 1 条。").wait_for()
    failed = p.locator("ul.results li.failed")
    assert failed.count() == 1
    assert "待分办线索 0" in failed.inner_text()
    shot(page, screenshots, "11-bulk-results")
    assert_clean(page, server)


def test_a_notice_issued_by_the_office_is_replied_by_the_handler(
        page: RecordedPage, served: tuple[Console, LiveServer], screenshots: Path) -> None:
    console, server = served
    lead = new_lead(console.rt, "反映某派出所拖延立案")
    fire(console.rt, lead, "transfer", unit="dc-police")
    p = page.page
    p.set_default_timeout(TIMEOUT_MS)
    sign_in(page, server, CITY_OFFICE)
    p.goto(f"{server.url}/items/{lead}")
    p.get_by_role("link", name="下达督办通知").click()
    p.get_by_label("督办级别").select_option("yellow")
    p.get_by_role("button", name="确认下达督办通知").click()  # the requirement left out
    assert p.locator("#requirement-error").inner_text() == "必填"
    p.get_by_label("督办要求").fill("请于三个工作日内报告立案情况")
    p.get_by_role("button", name="确认下达督办通知").click()
    p.wait_for_url(f"**/items/{lead}?done=supervision")
    assert p.locator("ol.notices li").first.inner_text().startswith("#1 黄牌 · 待反馈")
    assert_clean(page, server)
    sign_out(page)
    sign_in(page, server, DC_HANDLER)
    p.get_by_role("link", name="待签收").click()
    row = p.locator("tr", has_text="反映某派出所拖延立案")
    assert "黄牌×1" in row.inner_text()
    row.get_by_role("link", name="反映某派出所拖延立案").click()
    p.get_by_role("link", name="反馈督办通知 #1").click()
    p.get_by_label("反馈内容").fill("已于今日立案，立案决定书随后报送")
    p.get_by_role("button", name="确认反馈督办通知 #1").click()
    p.wait_for_url(f"**/items/{lead}?done=supervision")
    notice = p.locator("ol.notices li").first.inner_text()
    assert "已反馈，待认可" in notice
    assert "已于今日立案" in notice
    assert p.locator("ol.timeline li").first.inner_text().startswith("督办反馈")
    shot(page, screenshots, "12-supervision-replied")
    assert_clean(page, server)


def test_the_work_page_on_a_phone(page: RecordedPage, served: tuple[Console, LiveServer],
                                  screenshots: Path) -> None:
    console, server = served
    lead = new_lead(console.rt, "手机上查看的线索")
    fire(console.rt, lead, "transfer", unit="dc-police")
    p = page.page
    p.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, server, DC_HANDLER)
    p.get_by_role("link", name="待签收").click()
    assert p.evaluate("document.documentElement.scrollWidth") <= 390  # nothing cut off
    shot(page, screenshots, "12-phone-work")
    p.goto(f"{server.url}/items/{lead}")
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, screenshots, "13-phone-item")
    p.keyboard.press("Tab")  # the first stop is the skip link
    assert p.evaluate("document.activeElement.textContent") == "跳到正文"
    assert_clean(page, server)


def test_the_workflow_page_draws_the_diagram(page: RecordedPage,
                                             served: tuple[Console, LiveServer],
                                             screenshots: Path) -> None:
    _, server = served
    p = page.page
    p.set_default_timeout(TIMEOUT_MS)
    sign_in(page, server, DC_HANDLER)
    p.get_by_role("link", name="流程", exact=True).click()
    p.get_by_role("link", name="问题线索", exact=True).click()
    diagram = p.get_by_role("img", name="问题线索的状态图")
    box = diagram.bounding_box()
    assert box is not None
    assert box["width"] > 400
    assert p.locator("svg.diagram g.state").count() == 9
    # as the browser lays the text out: no edge label covers another
    rects = p.eval_on_selector_all("svg.diagram .edge text", """els => els.map(el => {
        const b = el.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; })""")
    assert len(rects) > 10
    assert not [(a, b) for i, a in enumerate(rects) for b in rects[i + 1:]
                if min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1]
    shot(page, screenshots, "14-workflow")
    assert_clean(page, server)


def test_the_dashboard_rollup_links_and_the_event_search(page: RecordedPage,
                                                         served: tuple[Console, LiveServer],
                                                         screenshots: Path) -> None:
    console, server = served
    lead = new_lead(console.rt, "反映某派出所推诿报警")
    fire(console.rt, lead, "transfer", unit="dc-police")
    new_lead(console.rt, "市办待移交的线索")
    p = page.page
    p.set_default_timeout(TIMEOUT_MS)
    sign_in(page, server, SUPERVISOR)
    p.get_by_role("link", name="督导看板").click()
    row = p.locator("table.rollup tr[data-jurisdiction='510101']")
    assert row.locator("td").first.inner_text() == "1"
    shot(page, screenshots, "15-supervisor-rollup")
    row.locator("td").first.get_by_role("link").click()
    p.wait_for_url("**/work?tab=open&jurisdiction=510101")
    assert p.locator("table.list tbody tr").count() == 1
    p.goto(f"{server.url}/supervise/events")
    p.get_by_label("操作").select_option(label="移交")
    p.get_by_role("button", name="检索").click()
    p.wait_for_url("**/supervise/events?*trigger=transfer*")
    assert p.locator("table.events tbody tr").count() == 1
    shot(page, screenshots, "16-event-search")
    assert_clean(page, server)


def test_an_admin_creates_a_user_and_issues_a_token(page: RecordedPage,
                                                    served: tuple[Console, LiveServer],
                                                    screenshots: Path) -> None:
    _, server = served
    p = page.page
    p.set_default_timeout(TIMEOUT_MS)
    sign_in(page, server, ADMIN)
    p.get_by_role("link", name="管理", exact=True).click()
    shot(page, screenshots, "17-admin-org")
    p.get_by_role("link", name="人员与令牌").click()
    p.get_by_label("登录名").fill("nc-handler")
    p.get_by_label("姓名（显示名）").fill("南山司法-承办人")
    p.get_by_label("角色").select_option(label="承办人")
    p.get_by_label("所属辖区").select_option(value="510103")
    p.get_by_label("所在单位").select_option(label="南山县司法局")
    p.get_by_label("初始密码").fill("short")
    p.get_by_role("button", name="添加人员").click()
    assert p.locator("#password-error").inner_text() == "至少 10 个字符"
    assert p.get_by_label("初始密码").input_value() == ""  # never echoed back
    shot(page, screenshots, "18-admin-user-refused")
    p.get_by_label("初始密码").fill("nanshan-first-2026")
    p.get_by_role("button", name="添加人员").click()
    p.wait_for_url("**/admin/users/*?done=created")
    p.get_by_role("button", name="签发新令牌").click()
    assert p.locator("code.token").inner_text()
    shot(page, screenshots, "19-admin-token-once")
    p.get_by_role("link", name="工作日历").click()
    p.get_by_label("日期").fill("2026-03-10")
    p.get_by_label("调整为").select_option(label="放假")
    p.get_by_label("原因").fill("防汛停工")
    p.get_by_role("button", name="保存").click()
    p.wait_for_url("**/admin/calendar?done=1")
    assert p.locator("tr[data-day='2026-03-10']").count() == 1
    shot(page, screenshots, "20-admin-calendar")
    assert_clean(page, server)


def test_the_dashboard_and_the_admin_pages_on_a_phone(page: RecordedPage,
                                                      served: tuple[Console, LiveServer],
                                                      screenshots: Path) -> None:
    _, server = served
    p = page.page
    p.set_default_timeout(TIMEOUT_MS)
    p.set_viewport_size({"width": 390, "height": 844})
    for login, url, name in ((SUPERVISOR, "/supervise", "21-phone-supervisor"),
                             (ADMIN, "/admin/users", "22-phone-admin-users")):
        sign_in(page, server, login)
        p.goto(f"{server.url}{url}")
        # nothing wider than the phone: the tables become cards
        width = p.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (url, width)
        shot(page, screenshots, name)
        sign_out(page)
    assert_clean(page, server)
