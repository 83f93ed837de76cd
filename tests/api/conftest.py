"""An API over the example org on each backend, with a token per example user.

`api.as_("东城公安-承办人")` gives the headers of that user; `api.client` is a TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from engine.org.tokens import issue_token
from engine.org.tree import USER, jurisdiction_by_code
from engine.runtime import Runtime
from engine.settings import Settings
from engine.storage.db import read_tx, write_tx

SECRET = "test-secret-for-hmac"
BOOTSTRAP = "bootstrap-token-for-tests"

# Example org users (examples/org.yaml) by the part they play in the tests.
CITY_OFFICE = "市办-线索组"
CITY_HANDLER = "市公安-承办人"
DC_OFFICE = "东城办-联络员"
DC_HANDLER = "东城公安-承办人"
XC_OFFICE = "西城办-联络员"
XC_HANDLER = "西城公安-承办人"
SUPERVISOR = "省指导组-审计"
ADMIN = "省管理员"
CLIENT = "检举举报平台"

LEAD = {"channel": "letter", "category": "law_enforcement"}


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    rt: Runtime
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)

    def as_(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def create_lead(self, who: str = CITY_OFFICE, jurisdiction: str = "5101",
                    title: str = "反映某民警违规办案", **extra: Any) -> dict[str, Any]:
        body = {"workflow": "lead", "jurisdiction": jurisdiction, "title": title,
                "data": dict(LEAD)} | extra
        r = self.client.post("/v1/items", json=body, headers=self.as_(who))
        assert r.status_code == 201, r.text
        out: dict[str, Any] = r.json()
        return out

    def fire(self, item_id: int, trigger: str, who: str = CITY_OFFICE,
             data: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.post(f"/v1/items/{item_id}/transitions",
                                json={"trigger": trigger, "data": data or {}},
                                headers=self.as_(who) | headers)

    def jurisdiction_id(self, code: str) -> int:
        with read_tx(self.rt.db) as conn:
            return int(jurisdiction_by_code(conn, code).id)


def make_api(rt: Runtime) -> Iterator[Api]:
    settings = Settings(secret=SecretStr(SECRET),
                        bootstrap_admin_token=SecretStr(BOOTSTRAP))
    app = create_app(rt, settings)
    api = Api(app=app, client=TestClient(app), rt=rt)
    with write_tx(rt.db) as conn:
        for row in conn.execute(USER.select()).all():
            api.tokens[row.name] = issue_token(conn, user_id=row.id, secret=SECRET,
                                               now=rt.clock.now()).token
            api.user_ids[row.name] = row.id
    api.tokens["bootstrap"] = BOOTSTRAP
    yield api


@pytest.fixture
def api(rt: Runtime) -> Iterator[Api]:
    """The API on SQLite and PostgreSQL."""
    yield from make_api(rt)


@pytest.fixture
def api_sqlite(rt_sqlite: Runtime) -> Iterator[Api]:
    """The API on SQLite only, for HTTP behaviour that does not depend on storage."""
    yield from make_api(rt_sqlite)
