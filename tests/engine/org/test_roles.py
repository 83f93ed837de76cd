"""Each role's item scope is data: shipped in `role_scope` by migration 0005 (the same as the
example org states), declared again by an org file's `roles:` (checked like a workflow file:
every problem at once, with its path and a fix), and carried by the actor of each user; a
role left without one acts on nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from engine.errors import NotFound, OrgError
from engine.kernel import ItemScope
from engine.kernel.clock import ManualClock
from engine.org.roles import parse_roles
from engine.org.tree import USER, actor_for_user, add_user, load_org, read_org_file
from engine.runtime import Runtime, open_runtime
from engine.storage import ROLE_SCOPE
from engine.storage.db import read_tx, write_tx
from engine.workflow.loader import default_workflows_dir
from tests.conftest import EXAMPLE_ORG

ORG = {"jurisdictions": [{"code": "51", "name": "四川省", "level": "province"}],
       "units": [{"code": "p-police", "name": "省公安厅", "kind": "police", "jurisdiction": "51"}],
       "users": [{"name": "承办人甲", "role": "handler", "jurisdiction": "51",
                  "unit": "p-police"}]}


SHIPPED = {"admin": "subtree", "supervisor": "subtree", "office": "subtree",
           "handler": "unit", "client": "own_submissions"}


@pytest.fixture
def bare(db_url: str, clock: ManualClock) -> Iterator[Runtime]:
    """A migrated database with no org loaded yet, and no role declared (as if an operator
    had cleared the shipped declaration)."""
    rt = open_runtime(db_url, default_workflows_dir(), clock=clock)
    with write_tx(rt.db) as conn:
        conn.execute(ROLE_SCOPE.delete())
    try:
        yield rt
    finally:
        rt.db.dispose()


def stored(rt: Runtime) -> dict[str, str]:
    with read_tx(rt.db) as conn:
        return {r.role: r.scope for r in conn.execute(select(ROLE_SCOPE))}


def user_id(rt: Runtime, name: str) -> int:
    with read_tx(rt.db) as conn:
        return int(conn.execute(select(USER.c.id).where(USER.c.name == name)).scalar_one())


def test_a_new_database_has_the_shipped_declaration(db_url: str, clock: ManualClock) -> None:
    """Handlers act for their unit, the platform on its own submissions, the rest on their
    subtree, before any org file is loaded (an installation set up over HTTP alone); the
    example org states the same."""
    rt = open_runtime(db_url, default_workflows_dir(), clock=clock)
    try:
        assert stored(rt) == SHIPPED
    finally:
        rt.db.dispose()
    assert read_org_file(EXAMPLE_ORG)["roles"] == {
        role: {"scope": scope} for role, scope in SHIPPED.items()}


def test_actor_carries_its_roles_declared_scope(rt: Runtime) -> None:
    """actor_for_user reads the role's scope from the database."""
    with read_tx(rt.db) as conn:
        handler = actor_for_user(conn, user_id(rt, "东城公安-承办人"))
        client = actor_for_user(conn, user_id(rt, "检举举报平台"))
        office = actor_for_user(conn, user_id(rt, "东城办-联络员"))
    assert (handler.item_scope, client.item_scope, office.item_scope) == (
        ItemScope.unit, ItemScope.own_submissions, ItemScope.subtree)


def test_loading_roles_again_changes_their_scope(rt: Runtime, clock: ManualClock) -> None:
    """The org file is the declaration: loading `handler: subtree` widens every handler."""
    with write_tx(rt.db) as conn:
        report = load_org(conn, {"roles": {"handler": {"scope": "subtree"},
                                           "office": {"scope": "subtree"}}}, clock.now())
    assert report.roles == 1  # office kept its scope
    with read_tx(rt.db) as conn:
        assert actor_for_user(conn, user_id(rt, "东城公安-承办人")).item_scope \
            is ItemScope.subtree


def test_every_problem_of_the_roles_section_at_once() -> None:
    """Unknown roles, the system role, unknown scopes and settings, a missing scope and a
    non-mapping are each named with their path and a fix, all in one error."""
    with pytest.raises(OrgError) as info:
        parse_roles({"boss": {"scope": "subtree"}, "system": {"scope": "subtree"},
                     "handler": {"scope": "units"}, "office": {"colour": "red"},
                     "client": "own_submissions"})
    scopes = ("own_submissions (only the items the user handed in), subtree (every item in "
              "the user's jurisdiction and those below it), unit (the items of the user's "
              "unit and the items assigned to the user)")
    assert str(info.value).splitlines() == [
        "6 problem(s) in roles:",
        "roles.boss: unknown role 'boss' (fix: use one of: admin, client, handler, office, "
        "supervisor)",
        "roles.system: the system role (the scheduler) acts across everything and takes no "
        "scope (fix: remove it)",
        f"roles.handler.scope: unknown scope 'units' (fix: use one of: {scopes})",
        "roles.office: unknown setting(s): ['colour'] (fix: use scope)",
        f"roles.office: scope is missing (fix: add `scope:`, one of: {scopes})",
        "roles.client: must be a mapping, got 'own_submissions' (fix: write `client: {scope: "
        "subtree}`)",
    ]


@pytest.mark.parametrize("raw", [["handler"], "handler: unit"])
def test_roles_must_be_a_mapping(raw: Any) -> None:
    """A list or a string is refused with the shape to write."""
    with pytest.raises(OrgError, match=r"roles: must be a mapping of role to its settings "
                                       r"\(fix: write `roles: \{office: \{scope: subtree\}"):
        parse_roles(raw)


def test_a_bad_roles_section_loads_nothing(bare: Runtime, clock: ManualClock) -> None:
    """A wrong scope refuses the whole file: no role, jurisdiction or user is stored."""
    doc = ORG | {"roles": {"handler": {"scope": "county"}}}
    with pytest.raises(OrgError, match=r"roles.handler.scope: unknown scope 'county'"), \
            write_tx(bare.db) as conn:
        load_org(conn, doc, clock.now())
    assert stored(bare) == {}
    with read_tx(bare.db) as conn:
        assert conn.execute(select(USER.c.id)).first() is None


def test_a_users_role_needs_a_declared_scope(bare: Runtime, clock: ManualClock) -> None:
    """An org file whose users hold a role it does not declare is refused, naming the fix."""
    with pytest.raises(OrgError, match=r"user '承办人甲': role 'handler' has no declared scope"
                                       r".*fix: declare it in the org file"), \
            write_tx(bare.db) as conn:
        load_org(conn, ORG, clock.now())
    with write_tx(bare.db) as conn:
        load_org(conn, ORG | {"roles": {"handler": {"scope": "unit"}}}, clock.now())
    with read_tx(bare.db) as conn:
        assert actor_for_user(conn, user_id(bare, "承办人甲")).item_scope is ItemScope.unit


def test_adding_a_user_of_an_undeclared_role_is_refused(bare: Runtime,
                                                        clock: ManualClock) -> None:
    """add_user (also behind POST /v1/org/users) refuses a role without a scope."""
    with write_tx(bare.db) as conn:
        load_org(conn, ORG | {"roles": {"handler": {"scope": "unit"}}}, clock.now())
    with pytest.raises(OrgError, match="role 'supervisor' has no declared scope"), \
            write_tx(bare.db) as conn:
        add_user(conn, name="督导", role="supervisor", jurisdiction="51", unit=None,
                 now=clock.now())


def test_a_user_whose_role_lost_its_scope_cannot_act(rt: Runtime) -> None:
    """A database whose role_scope lacks a user's role (e.g. upgraded before its org file
    declared roles) gives no actor: NotFound naming the fix, never a silent default."""
    with write_tx(rt.db) as conn:
        conn.execute(ROLE_SCOPE.delete().where(ROLE_SCOPE.c.role == "handler"))
    with pytest.raises(NotFound, match="role 'handler' has no declared scope"), \
            read_tx(rt.db) as conn:
        actor_for_user(conn, user_id(rt, "东城公安-承办人"))
