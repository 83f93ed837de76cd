"""Read-only means read-only: linking two leads writes an event into both histories, so only
the roles a workflow lists in `link_roles` may do it. Supervisors and the reporting platform
get 403 for an item they can see, 404 for one they cannot; the engine function behind the
route refuses them too (the CLI and the console call it directly)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import DefinitionError, Forbidden
from engine.intake.links import link_leads
from engine.org.tree import actor_for_user
from engine.storage import LINK
from engine.storage.db import read_tx
from engine.workflow.loader import default_workflows_dir, parse_definition
from tests.engine.helpers import event_count
from tests.fixtures.api import (
    CITY_OFFICE,
    CLIENT,
    DC_HANDLER,
    DC_OFFICE,
    SUPERVISOR,
    XC_OFFICE,
    Api,
)


def links(api: Api) -> int:
    with read_tx(api.rt.db) as conn:
        return int(conn.execute(select(func.count()).select_from(LINK)).scalar_one())


def two_leads(api: Api, jurisdiction: str = "510101", who: str = CITY_OFFICE
              ) -> tuple[int, int]:
    """Two leads of 东城公安 (so its handler sees them), handed in by `who` (the platform sees
    only what it handed in)."""
    return (api.create_lead(who, jurisdiction=jurisdiction, unit="dc-police")["id"],
            api.create_lead(who, jurisdiction=jurisdiction, unit="dc-police")["id"])


@pytest.mark.parametrize("who", [SUPERVISOR, CLIENT])
def test_read_only_roles_get_403_and_nothing_is_written(api: Api, who: str) -> None:
    a, b = two_leads(api, who=CITY_OFFICE if who == SUPERVISOR else who)
    assert api.client.get(f"/v1/items/{a}", headers=api.as_(who)).status_code == 200
    before = (event_count(api.rt), links(api))
    r = api.client.post(f"/v1/items/{a}/links", json={"other_id": b}, headers=api.as_(who))
    assert r.status_code == 403, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert "link_roles" in r.json()["detail"]
    assert (event_count(api.rt), links(api)) == before


def test_an_item_out_of_scope_is_404_whatever_the_role(api: Api) -> None:
    a, b = two_leads(api)  # in 东城区; 西城县's office sees neither
    r = api.client.post(f"/v1/items/{a}/links", json={"other_id": b},
                        headers=api.as_(XC_OFFICE))
    assert r.status_code == 404


@pytest.mark.parametrize("who", [CITY_OFFICE, DC_OFFICE, DC_HANDLER])
def test_the_declared_roles_link(api: Api, who: str) -> None:
    a, b = two_leads(api)
    r = api.client.post(f"/v1/items/{a}/links", json={"other_id": b}, headers=api.as_(who))
    assert r.status_code == 201, r.text
    assert links(api) == 2  # one row per direction


@pytest.mark.parametrize("who", [SUPERVISOR, CLIENT])
def test_the_engine_refuses_read_only_roles_too(api: Api, who: str) -> None:
    a, b = two_leads(api, who=CITY_OFFICE if who == SUPERVISOR else who)
    with read_tx(api.rt.db) as conn:
        actor = actor_for_user(conn, api.user_ids[who])
    before = event_count(api.rt)
    with pytest.raises(Forbidden):
        link_leads(api.rt, actor=actor, item_id=a, other_id=b)
    assert event_count(api.rt) == before


def test_who_may_link_is_data() -> None:
    """lead.yaml declares it; a workflow that declares nothing lets nobody link; an unknown
    role is a definition problem."""
    text = (default_workflows_dir() / "lead.yaml").read_text(encoding="utf-8")
    assert parse_definition(text, "lead.yaml").link_roles == ("office", "handler")
    line = next(x for x in text.splitlines() if x.startswith("link_roles:"))
    assert parse_definition(text.replace(line + "\n", ""), "lead.yaml").link_roles == ()
    with pytest.raises(DefinitionError, match=r"link_roles.*unknown role 'auditor'"):
        parse_definition(text.replace(line, "link_roles: [office, auditor]"), "lead.yaml")
    rect = (default_workflows_dir() / "rectification.yaml").read_text(encoding="utf-8")
    assert parse_definition(rect, "rectification.yaml").link_roles == ()
