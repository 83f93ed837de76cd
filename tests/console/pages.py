"""The console through the app (TestClient), for page tests: the example org with a console
password for every user, clients signed in as one of them, and an HTML parser (lxml).

`console.signed_in("dc-handler")` is a TestClient with that user's session cookie;
`doc(response)` parses a page; `csrf(doc)` is the token its forms carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import lxml.html
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from api.app import create_app
from engine.org import passwords
from engine.org.passwords import set_password
from engine.runtime import Runtime
from engine.settings import Settings
from engine.storage import USER, read_tx, write_tx
from tests.console.offline import scan_html

SECRET = "console-test-secret"
PASSWORD = "demo-pass-2026"
# argon2id with small costs: the same algorithm and code path, a fraction of the time
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

CITY_OFFICE, CITY_HANDLER = "city-office", "city-handler"
DC_OFFICE, DC_HANDLER = "dc-office", "dc-handler"
XC_OFFICE, XC_HANDLER = "xc-office", "xc-handler"
SUPERVISOR, ADMIN = "prov-supervisor", "prov-admin"


@dataclass
class Console:
    app: FastAPI
    rt: Runtime
    user_ids: dict[str, int] = field(default_factory=dict)

    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)

    def sign_in(self, client: TestClient, login: str, password: str = PASSWORD) -> Any:
        form = doc(client.get("/login"))
        token = form.xpath("//input[@name='csrf']/@value")[0]
        return client.post("/login", data={"login": login, "password": password,
                                           "csrf": token, "next": "/work"})

    def signed_in(self, login: str) -> TestClient:
        client = self.client()
        r = self.sign_in(client, login)
        assert r.status_code == 303, r.text
        return client


def doc(response: Any) -> Any:
    return lxml.html.fromstring(response.text)


def csrf(page: Any) -> str:
    token: str = page.xpath("//form//input[@name='csrf']/@value")[0]
    return token


def text(page: Any, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in page.xpath(xpath)]


def assert_offline_clean(html: str) -> None:
    scan = scan_html(html)
    assert scan.foreign == []
    assert scan.inline_scripts == []
    assert scan.inline_styles == []
    assert scan.style_attributes == []
    assert scan.event_handlers == []


def make_console(rt: Runtime, **settings: Any) -> Console:
    app = create_app(rt, Settings(secret=SecretStr(SECRET), **settings))
    console = Console(app=app, rt=rt)
    with write_tx(rt.db) as conn:
        for row in conn.execute(select(USER.c.id, USER.c.login)).all():
            if row.login:
                set_password(conn, user_id=row.id, password=PASSWORD, must_change=False,
                             now=rt.clock.now())
                console.user_ids[row.login] = row.id
    return console


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", CHEAP_HASHER)


@pytest.fixture
def console(rt: Runtime) -> Console:
    """The console on SQLite and PostgreSQL."""
    return make_console(rt)


@pytest.fixture
def console_sqlite(rt_sqlite: Runtime) -> Console:
    return make_console(rt_sqlite)


def user_id(rt: Runtime, login: str) -> int:
    with read_tx(rt.db) as conn:
        return int(conn.execute(select(USER.c.id).where(USER.c.login == login)).scalar_one())


def actor(rt: Runtime, login: str) -> Any:
    from engine.org import actor_for_user

    with read_tx(rt.db) as conn:
        return actor_for_user(conn, user_id(rt, login))


def new_lead(rt: Runtime, title: str = "反映某民警违规办案", *, jurisdiction: str = "5101",
             who: str = CITY_OFFICE, channel: str = "letter",
             category: str = "law_enforcement") -> int:
    """A lead created by `who` through the one writer; its id."""
    from engine.items import create_item
    from engine.org import jurisdiction_by_code

    with read_tx(rt.db) as conn:
        jid = jurisdiction_by_code(conn, jurisdiction).id
    return create_item(rt, actor=actor(rt, who), workflow="lead", jurisdiction_id=jid,
                       title=title, data={"channel": channel, "category": category}).item_id


def fire(rt: Runtime, item_id: int, trigger: str, who: str = CITY_OFFICE,
         **data: Any) -> Any:
    from engine.items import apply

    return apply(rt, actor=actor(rt, who), item_id=item_id, trigger=trigger, data=data)
