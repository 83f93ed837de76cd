"""Org administration over HTTP: an empty installation can be set up with the bootstrap
token; admins act within their own subtree."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from engine.kernel.clock import ManualClock
from engine.runtime import open_runtime
from engine.settings import Settings
from engine.workflow.loader import default_workflows_dir
from tests.conftest import START
from tests.fixtures.api import ADMIN, BOOTSTRAP, DC_OFFICE, SECRET, Api


def test_empty_installation_is_set_up_over_http(tmp_path: Path) -> None:
    """With only the bootstrap token, a province, a unit and a first admin can be created."""
    rt = open_runtime(f"sqlite:///{tmp_path / 'empty.db'}", default_workflows_dir(),
                      clock=ManualClock(START))
    app = create_app(rt, Settings(secret=SecretStr(SECRET),
                                  bootstrap_admin_token=SecretStr(BOOTSTRAP)))
    c, h = TestClient(app), {"Authorization": f"Bearer {BOOTSTRAP}"}
    try:
        assert c.post("/v1/jurisdictions", headers=h, json={
            "code": "52", "name": "贵州省", "level": "province", "parent": None}
        ).status_code == 201
        assert c.post("/v1/units", headers=h, json={
            "code": "gz-office", "name": "省教育整顿办", "kind": "office", "jurisdiction": "52"}
        ).status_code == 201
        r = c.post("/v1/users", headers=h, json={
            "name": "管理员", "role": "admin", "jurisdiction": "52", "unit": "gz-office"})
        assert r.status_code == 201
        listed = c.get("/v1/jurisdictions",
                       headers={"Authorization": f"Bearer {r.json()['token']}"})
        assert listed.json() == [{"code": "52", "name": "贵州省", "level": "province",
                                  "parent": None}]
    finally:
        rt.db.dispose()


def test_admin_adds_county_under_city(api_sqlite: Api) -> None:
    """An admin creates a county under a city in scope: 201, listed with its parent."""
    r = api_sqlite.client.post("/v1/jurisdictions", headers=api_sqlite.as_(ADMIN), json={
        "code": "510104", "name": "北湖区", "level": "county", "parent": "5101"})
    assert r.status_code == 201
    listed = api_sqlite.client.get("/v1/jurisdictions", headers=api_sqlite.as_(ADMIN)).json()
    assert {"code": "510104", "name": "北湖区", "level": "county", "parent": "5101"} in listed


def test_root_jurisdiction_needs_bootstrap_admin(api_sqlite: Api) -> None:
    """A user admin may not create a new root jurisdiction (it would be outside its scope)."""
    r = api_sqlite.client.post("/v1/jurisdictions", headers=api_sqlite.as_(ADMIN), json={
        "code": "53", "name": "云南省", "level": "province", "parent": None})
    assert r.status_code == 403


def test_duplicate_jurisdiction_code_is_422(api_sqlite: Api) -> None:
    """An existing code is refused with 422 and a detail naming it."""
    r = api_sqlite.client.post("/v1/jurisdictions", headers=api_sqlite.as_(ADMIN), json={
        "code": "5101", "name": "x", "level": "city", "parent": "51"})
    assert r.status_code == 422
    assert "5101" in r.json()["detail"]


def test_unknown_parent_is_404(api_sqlite: Api) -> None:
    """A parent code that does not exist is 404."""
    r = api_sqlite.client.post("/v1/jurisdictions", headers=api_sqlite.as_(ADMIN), json={
        "code": "9", "name": "x", "level": "county", "parent": "nope"})
    assert r.status_code == 404


def test_non_admin_may_not_create_units(api_sqlite: Api) -> None:
    """An office user is not an admin: 403."""
    r = api_sqlite.client.post("/v1/units", headers=api_sqlite.as_(DC_OFFICE), json={
        "code": "dc-justice", "name": "东城区司法局", "kind": "justice",
        "jurisdiction": "510101"})
    assert r.status_code == 403


def test_unit_with_unknown_kind_is_422(api_sqlite: Api) -> None:
    """A unit kind outside the list is 422."""
    r = api_sqlite.client.post("/v1/units", headers=api_sqlite.as_(ADMIN), json={
        "code": "x", "name": "x", "kind": "army", "jurisdiction": "510101"})
    assert r.status_code == 422


def test_user_in_unknown_jurisdiction_is_404(api_sqlite: Api) -> None:
    """Creating a user in a jurisdiction that does not exist is 404."""
    r = api_sqlite.client.post("/v1/users", headers=api_sqlite.as_(ADMIN), json={
        "name": "x", "role": "handler", "jurisdiction": "0000"})
    assert r.status_code == 404


def test_jurisdiction_list_is_scoped(api_sqlite: Api) -> None:
    """A county user lists only its own jurisdiction."""
    r = api_sqlite.client.get("/v1/jurisdictions", headers=api_sqlite.as_(DC_OFFICE))
    assert [j["code"] for j in r.json()] == ["510101"]
