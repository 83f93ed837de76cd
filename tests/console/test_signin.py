"""Signing in to the console through the app: the session cookie and its attributes, the
sign-in form's own CSRF check, refusals with a clear message, throttling, first sign-in with
an admin's password, sign-out here and everywhere, expiry, and API tokens untouched."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.kernel.clock import ManualClock
from engine.org.passwords import set_password
from engine.org.sessions import ACCOUNT_LIMIT
from engine.storage import SESSION, read_tx, write_tx
from tests.console.pages import (
    DC_HANDLER,
    PASSWORD,
    Console,
    assert_offline_clean,
    csrf,
    doc,
    text,
)


def test_a_page_without_a_session_sends_to_sign_in(console_sqlite: Console) -> None:
    client = console_sqlite.client()
    r = client.get("/work?tab=overdue")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fwork%3Ftab%3Doverdue"
    r = client.get("/work", headers={"HX-Request": "true"})
    assert r.headers["HX-Redirect"].startswith("/login")


def test_the_sign_in_page_is_labelled_chinese_and_offline(console_sqlite: Console) -> None:
    r = console_sqlite.client().get("/login")
    assert r.status_code == 200
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    assert_offline_clean(r.text)
    page = doc(r)
    assert page.get("lang") == "zh-CN"
    assert text(page, "//label[@for='login']") == ["登录名"]
    assert text(page, "//label[@for='password']") == ["密码"]


def test_signing_in_sets_a_strict_http_only_session_cookie(console_sqlite: Console) -> None:
    client = console_sqlite.client()
    r = console_sqlite.sign_in(client, DC_HANDLER)
    assert r.status_code == 303
    assert r.headers["location"] == "/work"
    cookie = next(h for h in r.headers.get_list("set-cookie")
                  if h.startswith("leadflow_session="))
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")}
    assert {"httponly", "path", "samesite"} <= attributes
    assert "samesite=strict" in cookie.lower()
    assert "secure" not in attributes  # plain http on a test server
    page = doc(client.get("/work"))
    assert "东城公安-承办人" in text(page, "//div[@class='me']")[0]


def test_the_cookie_is_secure_behind_https(console_sqlite: Console) -> None:
    client = TestClient(console_sqlite.app, base_url="https://console.example",
                        follow_redirects=False)
    r = console_sqlite.sign_in(client, DC_HANDLER)
    cookie = next(h for h in r.headers.get_list("set-cookie")
                  if h.startswith("leadflow_session="))
    assert "; secure" in cookie.lower()


def test_a_wrong_password_is_refused_with_a_message(console_sqlite: Console) -> None:
    client = console_sqlite.client()
    r = console_sqlite.sign_in(client, DC_HANDLER, "not-my-password")
    assert r.status_code == 401
    assert text(doc(r), "//*[@role='alert']") == ["登录名或密码不正确。"]
    assert "leadflow_session" not in r.cookies
    assert doc(r).xpath("//input[@name='login']/@value") == [DC_HANDLER]  # kept for retry


def test_the_sign_in_form_needs_its_own_csrf_token(console_sqlite: Console) -> None:
    client = console_sqlite.client()
    client.get("/login")
    r = client.post("/login", data={"login": DC_HANDLER, "password": PASSWORD})
    assert r.status_code == 403
    assert "leadflow_session" not in r.cookies
    other = console_sqlite.client()  # a token from another browser does not count either
    token = doc(other.get("/login")).xpath("//input[@name='csrf']/@value")[0]
    r = client.post("/login", data={"login": DC_HANDLER, "password": PASSWORD,
                                    "csrf": token + "x"})
    assert r.status_code == 403


def test_repeated_failures_are_throttled_with_a_clear_message(console_sqlite: Console) -> None:
    client = console_sqlite.client()
    for _ in range(ACCOUNT_LIMIT):
        assert console_sqlite.sign_in(client, DC_HANDLER, "wrong-password").status_code == 401
    r = console_sqlite.sign_in(client, DC_HANDLER)  # the right password, too late
    assert r.status_code == 429
    assert text(doc(r), "//*[@role='alert']") == [
        "登录失败次数过多，已暂停登录。请 15 分钟后再试，或联系管理员。"]


def test_an_open_redirect_is_not_possible(console_sqlite: Console) -> None:
    client = console_sqlite.client()
    token = doc(client.get("/login")).xpath("//input[@name='csrf']/@value")[0]
    r = client.post("/login", data={"login": DC_HANDLER, "password": PASSWORD,
                                    "csrf": token, "next": "//evil.example/x"})
    assert r.headers["location"] == "/work"


def test_first_sign_in_with_an_admins_password_must_change_it(console_sqlite: Console) -> None:
    rt = console_sqlite.rt
    with write_tx(rt.db) as conn:
        set_password(conn, user_id=console_sqlite.user_ids[DC_HANDLER],
                     password="set-by-admin-1", must_change=True, now=rt.clock.now())
    client = console_sqlite.client()
    r = console_sqlite.sign_in(client, DC_HANDLER, "set-by-admin-1")
    assert r.headers["location"] == "/password"
    assert client.get("/work").headers["location"] == "/password"
    page = doc(client.get("/password"))
    assert_offline_clean(client.get("/password").text)
    token = csrf(page)
    r = client.post("/password", data={"csrf": token, "current": "set-by-admin-1",
                                       "new": "short", "again": "short"})
    assert r.status_code == 422
    errors = doc(r).xpath("//p[@id='new-error']")
    assert [e.text_content() for e in errors] == ["至少 10 个字符"]
    assert doc(r).xpath("//input[@id='new']/@aria-describedby") == ["new-error"]
    r = client.post("/password", data={"csrf": token, "current": "set-by-admin-1",
                                       "new": "my-own-secret", "again": "my-own-secret"})
    assert r.status_code == 303
    assert r.headers["location"] == "/work"
    assert client.get("/work").status_code == 200


def test_sign_out_needs_the_csrf_token_and_ends_the_session(console_sqlite: Console) -> None:
    client = console_sqlite.signed_in(DC_HANDLER)
    token = csrf(doc(client.get("/work")))
    r = client.post("/logout")
    assert r.status_code == 403
    assert client.get("/work").status_code == 200  # still signed in
    r = client.post("/logout", data={"csrf": token})
    assert r.headers["location"] == "/login?bye=1"
    client.cookies.clear()
    with read_tx(console_sqlite.rt.db) as conn:
        assert conn.execute(select(SESSION.c.revoked_at)).scalar_one() is not None


def test_sign_out_everywhere_ends_every_session(console_sqlite: Console) -> None:
    phone, desk = console_sqlite.signed_in(DC_HANDLER), console_sqlite.signed_in(DC_HANDLER)
    token = csrf(doc(desk.get("/work")))
    assert desk.post("/logout-all", data={"csrf": token}).status_code == 303
    assert phone.get("/work").headers["location"].startswith("/login")


def test_sign_in_renews_the_session_id(console_sqlite: Console) -> None:
    first = console_sqlite.signed_in(DC_HANDLER).cookies["leadflow_session"]
    client = console_sqlite.client()  # a browser that still holds the first cookie signs in
    token = doc(client.get("/login")).xpath("//input[@name='csrf']/@value")[0]
    client.cookies.set("leadflow_session", first)
    r = client.post("/login", data={"login": DC_HANDLER, "password": PASSWORD, "csrf": token})
    second = r.cookies["leadflow_session"]
    assert first != second
    stale = console_sqlite.client()
    stale.cookies.set("leadflow_session", first)
    assert stale.get("/work").status_code == 303


def test_an_expired_session_is_sent_to_sign_in(console_sqlite: Console,
                                               clock: ManualClock) -> None:
    client = console_sqlite.signed_in(DC_HANDLER)
    clock.advance(timedelta(minutes=31))
    r = client.get("/work")
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


def test_api_tokens_keep_working_beside_the_console(console_sqlite: Console) -> None:
    client = console_sqlite.signed_in(DC_HANDLER)
    assert client.get("/v1/me").status_code == 401  # a console cookie is no API credential
