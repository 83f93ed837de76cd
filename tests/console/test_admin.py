"""管理 pages through the app: units, users (initial password to change at first sign-in,
reset, role and unit, deactivation), API tokens (shown once, revoked) and calendar overrides.
Admins only (others 404); a city admin sees and changes only the city's subtree (the rest is
404); every form needs its CSRF token; a refused form names the field and stores nothing;
passwords and tokens never reach the logs, and a password is never echoed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import structlog
from sqlalchemy import func, select

from engine.org import add_user, set_password
from engine.runtime import Runtime
from engine.storage import CALENDAR_OVERRIDE, TOKEN, UNIT, USER, read_tx, write_tx
from tests.console.pages import (
    ADMIN,
    CITY_OFFICE,
    DC_HANDLER,
    PASSWORD,
    SUPERVISOR,
    Console,
    assert_offline_clean,
    csrf,
    doc,
)

CITY_ADMIN = "city-admin"
NEW_PASSWORD = "first-pass-2026"


def field_errors(r: Any) -> dict[str, str]:
    return {p.get("id").removesuffix("-error"): p.text_content()
            for p in doc(r).xpath("//p[@class='field-error']")}


def count(rt: Runtime, table: Any, *where: Any) -> int:
    with read_tx(rt.db) as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where))
                   .scalar_one())


def token_of(client: Any, url: str) -> str:
    return csrf(doc(client.get(url)))


@pytest.fixture
def city_admin(console: Console) -> Any:
    rt = console.rt
    with write_tx(rt.db) as conn:
        uid = add_user(conn, name="市管理员", role="admin", jurisdiction="5101", unit=None,
                       now=rt.clock.now(), login=CITY_ADMIN)
        set_password(conn, user_id=uid, password=PASSWORD, must_change=False,
                     now=rt.clock.now())
    console.user_ids[CITY_ADMIN] = uid
    return console.signed_in(CITY_ADMIN)


@pytest.mark.parametrize("login", [CITY_OFFICE, DC_HANDLER, SUPERVISOR])
def test_only_admins_have_the_admin_pages(console_sqlite: Console, login: str) -> None:
    client = console_sqlite.signed_in(login)
    for url in ("/admin", "/admin/users", "/admin/calendar",
                f"/admin/users/{console_sqlite.user_ids[DC_HANDLER]}"):
        assert client.get(url).status_code == 404, url
    assert "管理" not in [a.text_content() for a in doc(client.get("/work")).xpath("//nav//a")]


def test_an_admin_adds_a_unit_and_a_bad_one_is_refused_next_to_its_field(
        console: Console) -> None:
    rt = console.rt
    admin = console.signed_in(ADMIN)
    r = admin.get("/admin")
    assert r.status_code == 200
    assert_offline_clean(r.text)
    token = csrf(doc(r))
    before = count(rt, UNIT)
    unit = {"code": "dc-justice", "name": "东城区司法局", "kind": "justice",
            "jurisdiction": "510101"}
    assert admin.post("/admin/units", data=unit).status_code == 403  # no CSRF token
    assert count(rt, UNIT) == before
    r = admin.post("/admin/units", data={**unit, "csrf": token})
    assert r.status_code == 303
    assert "东城区司法局" in doc(admin.get("/admin")).text_content()
    r = admin.post("/admin/units", data={**unit, "name": "重复", "csrf": token})
    assert r.status_code == 422
    assert field_errors(r) == {"code": "代码已被使用"}
    r = admin.post("/admin/units", data={**unit, "code": "x-1", "kind": "bank",
                                         "csrf": token})
    assert field_errors(r) == {"kind": "请从列表中选择"}
    r = admin.post("/admin/units", data={"csrf": token})
    assert set(field_errors(r)) == {"code", "name", "kind", "jurisdiction"}
    assert count(rt, UNIT) == before + 1


def test_a_city_admin_sees_and_changes_only_the_city(console: Console,
                                                     city_admin: Any) -> None:
    rt = console.rt
    people = doc(city_admin.get("/admin/users"))
    names = {" ".join(td.text_content().split())
             for td in people.xpath("//table[contains(@class, 'people')]//td[1]")}
    assert "东城公安-承办人" in names
    assert "省指导组-审计" not in names
    prov = console.user_ids[SUPERVISOR]
    assert city_admin.get(f"/admin/users/{prov}").status_code == 404
    token = csrf(people)
    for action in ("deactivate", "tokens", "password"):
        r = city_admin.post(f"/admin/users/{prov}/{action}",
                            data={"csrf": token, "password": NEW_PASSWORD})
        assert r.status_code == 404, action
    assert count(rt, USER, USER.c.id == prov, USER.c.active.is_(True)) == 1
    assert count(rt, TOKEN, TOKEN.c.user_id == prov) == 0
    before = count(rt, UNIT)
    r = city_admin.post("/admin/units", data={"code": "prov-x", "name": "省某单位",
                                              "kind": "office", "jurisdiction": "51",
                                              "csrf": token})
    assert field_errors(r) == {"jurisdiction": "辖区不存在或不在您的辖区内"}
    assert count(rt, UNIT) == before
    org = doc(city_admin.get("/admin")).text_content()
    assert "示范市" in org
    assert "四川省" not in org


def test_a_new_user_must_change_the_initial_password_and_it_is_never_logged(
        console: Console) -> None:
    rt = console.rt
    admin = console.signed_in(ADMIN)
    token = token_of(admin, "/admin/users")
    new = {"login": "dc-handler-2", "name": "东城公安-承办人二", "role": "handler",
           "jurisdiction": "510101", "unit": "dc-police", "csrf": token}
    with structlog.testing.capture_logs() as logs:
        short = admin.post("/admin/users", data={**new, "password": "short"})
        assert short.status_code == 422
        assert field_errors(short) == {"password": "至少 10 个字符"}
        assert "short" not in short.text.replace("shortcut", "")
        assert count(rt, USER, USER.c.login == "dc-handler-2") == 0
        r = admin.post("/admin/users", data={**new, "password": NEW_PASSWORD})
        assert r.status_code == 303
    assert NEW_PASSWORD not in repr(logs)
    assert any(e["event"] == "password_reset" for e in logs)
    fresh = console.client()
    signed = console.sign_in(fresh, "dc-handler-2", NEW_PASSWORD)
    assert signed.status_code == 303
    assert fresh.get("/work").headers["location"] == "/password"
    taken = admin.post("/admin/users", data={**new, "password": NEW_PASSWORD})
    assert field_errors(taken) == {"login": "登录名已被使用"}
    bad_unit = admin.post("/admin/users", data={**new, "login": "dc-3", "unit": "xc-police",
                                                "password": NEW_PASSWORD})
    assert field_errors(bad_unit) == {"unit": "单位不存在或不在该人员的辖区内"}
    assert count(rt, USER, USER.c.login == "dc-3") == 0


def test_reset_assign_and_deactivate(console: Console) -> None:
    rt = console.rt
    admin = console.signed_in(ADMIN)
    handler = console.signed_in(DC_HANDLER)
    uid = console.user_ids[DC_HANDLER]
    token = token_of(admin, f"/admin/users/{uid}")
    r = admin.post(f"/admin/users/{uid}/password", data={"csrf": token, "password": "x"})
    assert field_errors(r) == {"password": "至少 10 个字符"}
    assert handler.get("/work").status_code == 200  # nothing changed: still signed in
    r = admin.post(f"/admin/users/{uid}/password",
                   data={"csrf": token, "password": NEW_PASSWORD})
    assert r.status_code == 303
    assert handler.get("/work").status_code == 303  # the reset ended their sessions
    r = admin.post(f"/admin/users/{uid}/assign",
                   data={"csrf": token, "role": "handler", "unit": "xc-police"})
    assert field_errors(r) == {"unit": "单位不存在或不在该人员的辖区内"}
    r = admin.post(f"/admin/users/{uid}/assign",
                   data={"csrf": token, "role": "handler", "unit": "dc-court"})
    assert r.status_code == 303
    with read_tx(rt.db) as conn:
        unit = conn.execute(select(UNIT.c.code).join(USER, USER.c.unit_id == UNIT.c.id)
                            .where(USER.c.id == uid)).scalar_one()
    assert unit == "dc-court"
    assert admin.post(f"/admin/users/{uid}/deactivate", data={}).status_code == 403
    assert count(rt, USER, USER.c.id == uid, USER.c.active.is_(True)) == 1
    r = admin.post(f"/admin/users/{uid}/deactivate", data={"csrf": token})
    assert r.status_code == 303
    assert count(rt, USER, USER.c.id == uid, USER.c.active.is_(True)) == 0
    assert console.sign_in(console.client(), DC_HANDLER, NEW_PASSWORD).status_code != 303
    own = console.user_ids[ADMIN]
    r = admin.post(f"/admin/users/{own}/deactivate", data={"csrf": token})
    assert r.status_code == 422
    assert count(rt, USER, USER.c.id == own, USER.c.active.is_(True)) == 1


def test_a_token_is_shown_once_works_and_is_revoked(console: Console) -> None:
    admin = console.signed_in(ADMIN)
    uid = console.user_ids[CITY_OFFICE]
    token = token_of(admin, f"/admin/users/{uid}")
    with structlog.testing.capture_logs() as logs:
        r = admin.post(f"/admin/users/{uid}/tokens", data={"csrf": token})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    (bearer,) = doc(r).xpath("//code[@class='token']/text()")
    assert bearer not in repr(logs)
    assert any(e["event"] == "token_issued" for e in logs)
    api = console.client()
    assert api.get("/v1/me", headers={"Authorization": f"Bearer {bearer}"}).status_code == 200
    again = admin.get(f"/admin/users/{uid}")
    assert bearer not in again.text
    (tid,) = doc(again).xpath("//table[contains(@class, 'tokens')]//tr/@data-token")
    r = admin.post(f"/admin/users/{uid}/tokens/{tid}/revoke", data={"csrf": token})
    assert r.status_code == 303
    assert api.get("/v1/me", headers={"Authorization": f"Bearer {bearer}"}).status_code == 401
    other = console.user_ids[DC_HANDLER]  # a token id under another user's URL: 404
    assert admin.post(f"/admin/users/{other}/tokens/{tid}/revoke",
                      data={"csrf": token}).status_code == 404


def test_calendar_overrides_by_the_province_admin_only(console: Console,
                                                       city_admin: Any) -> None:
    rt = console.rt
    admin = console.signed_in(ADMIN)
    page = admin.get("/admin/calendar")
    assert page.status_code == 200
    assert_offline_clean(page.text)
    token = csrf(doc(page))
    tuesday = date(2026, 3, 10)
    assert rt.calendar.is_working_day(tuesday)
    r = admin.post("/admin/calendar", data={"csrf": token, "day": "2026-03-10",
                                            "working": "off", "note": ""})
    assert field_errors(r) == {"note": "必填"}
    r = admin.post("/admin/calendar", data={"csrf": token, "day": "2026-02-30",
                                            "working": "off", "note": "x"})
    assert field_errors(r) == {"day": "日期格式应为 2026-03-02"}
    assert count(rt, CALENDAR_OVERRIDE) == 0
    r = admin.post("/admin/calendar", data={"csrf": token, "day": "2026-03-10",
                                            "working": "off", "note": "防汛停工"})
    assert r.status_code == 303
    assert not rt.calendar.is_working_day(tuesday)
    rows = doc(admin.get("/admin/calendar")).xpath("//tr[@data-day='2026-03-10']/td/text()")
    assert rows == ["2026-03-10", "二", "放假", "防汛停工"]
    city_page = doc(city_admin.get("/admin/calendar"))
    assert not city_page.xpath("//form[@action='/admin/calendar']")
    r = city_admin.post("/admin/calendar", data={"csrf": csrf(city_page), "day": "2026-03-11",
                                                 "working": "off", "note": "市里自定"})
    assert r.status_code == 403
    assert count(rt, CALENDAR_OVERRIDE) == 1


def test_every_admin_form_refuses_a_missing_or_wrong_csrf_token_and_changes_nothing(
        console_sqlite: Console) -> None:
    rt = console_sqlite.rt
    admin = console_sqlite.signed_in(ADMIN)
    uid = console_sqlite.user_ids[CITY_OFFICE]
    with write_tx(rt.db) as conn:
        from engine.org import issue_token

        tid = issue_token(conn, user_id=uid, secret="s", now=rt.clock.now()).id

    def state() -> tuple[int, ...]:
        return (count(rt, UNIT), count(rt, USER), count(rt, USER, USER.c.active.is_(True)),
                count(rt, TOKEN), count(rt, TOKEN, TOKEN.c.revoked_at.is_(None)),
                count(rt, CALENDAR_OVERRIDE))

    before = state()
    forms = {
        "/admin/units": {"code": "u-1", "name": "某单位", "kind": "office",
                         "jurisdiction": "5101"},
        "/admin/users": {"login": "someone", "name": "某人", "role": "office",
                         "jurisdiction": "5101", "password": NEW_PASSWORD},
        f"/admin/users/{uid}/password": {"password": NEW_PASSWORD},
        f"/admin/users/{uid}/assign": {"role": "supervisor", "unit": ""},
        f"/admin/users/{uid}/deactivate": {},
        f"/admin/users/{uid}/tokens": {},
        f"/admin/users/{uid}/tokens/{tid}/revoke": {},
        "/admin/calendar": {"day": "2026-03-10", "working": "off", "note": "某原因"},
    }
    for url, data in forms.items():
        for token in (None, "forged"):
            sent = data if token is None else {**data, "csrf": token}
            r = admin.post(url, data=sent)
            assert r.status_code == 403, (url, token)
            assert "未做任何更改" in r.text
    assert state() == before
    assert console_sqlite.sign_in(console_sqlite.client(), CITY_OFFICE).status_code == 303
