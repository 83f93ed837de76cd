"""The org tree on both databases: loading the example org, nested-set subtrees (renumbered
when the tree changes), the errors of a bad org, and each actor's scope."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine.errors import OrgError
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.org.tree import (
    JUR,
    USER,
    add_jurisdiction,
    add_unit,
    add_user,
    chain_to_root,
    load_org,
    read_org_file,
    subtree_ids,
)
from engine.runtime import Runtime
from engine.storage.db import read_tx, write_tx
from tests.conftest import EXAMPLE_ORG, actors_of
from tests.engine.helpers import jid

COUNTIES = ("510101", "510102", "510103")


def codes(rt: Runtime, ids: frozenset[int]) -> set[str]:
    with read_tx(rt.db) as conn:
        return set(conn.execute(select(JUR.c.code).where(JUR.c.id.in_(ids))).scalars())


def subtree(rt: Runtime, code: str) -> set[str]:
    with read_tx(rt.db) as conn:
        return codes(rt, subtree_ids(conn, jid(rt, code)))


def assert_nested_set_is_consistent(rt: Runtime) -> None:
    """Every node's [lft, rgt] sits strictly inside its parent's, bounds are all distinct."""
    with read_tx(rt.db) as conn:
        rows = {r.id: r for r in conn.execute(select(JUR))}
    bounds = [b for r in rows.values() for b in (r.lft, r.rgt)]
    assert sorted(bounds) == list(range(1, 2 * len(rows) + 1))
    for r in rows.values():
        assert r.lft < r.rgt
        if r.parent_id is not None:
            parent = rows[r.parent_id]
            assert parent.lft < r.lft
            assert r.rgt < parent.rgt
            assert r.depth == parent.depth + 1


def test_example_org_loads(rt: Runtime) -> None:
    """The example org: a province, one city, three counties, 15 units, 10 users."""
    with read_tx(rt.db) as conn:
        levels = dict(conn.execute(select(JUR.c.code, JUR.c.level)).all())
        users = conn.execute(select(USER.c.name)).scalars().all()
    assert levels == {"51": "province", "5101": "city", "510101": "county",
                      "510102": "county", "510103": "county"}
    assert len(users) == 10
    assert_nested_set_is_consistent(rt)


def test_loading_the_org_again_adds_nothing(rt: Runtime, clock: ManualClock) -> None:
    """Existing codes and users are skipped, so a file can be loaded twice."""
    with write_tx(rt.db) as conn:
        report = load_org(conn, read_org_file(EXAMPLE_ORG), clock.now())
    assert (report.jurisdictions, report.units, report.users) == (0, 0, [])


def test_subtrees_follow_the_tree(rt: Runtime) -> None:
    """Province sees all, the city itself and its counties, a county only itself."""
    assert subtree(rt, "51") == {"51", "5101", *COUNTIES}
    assert subtree(rt, "5101") == {"5101", *COUNTIES}
    assert subtree(rt, "510102") == {"510102"}


def test_adding_a_county_renumbers_the_tree(rt: Runtime) -> None:
    """A new county is inside its city's subtree at once, and the nested set stays valid."""
    with write_tx(rt.db) as conn:
        add_jurisdiction(conn, code="510100", name="新区", level="county", parent="5101")
        add_jurisdiction(conn, code="5102", name="另一市", level="city", parent="51")
    assert subtree(rt, "5101") == {"5101", "510100", *COUNTIES}
    assert subtree(rt, "5102") == {"5102"}
    assert "5102" in subtree(rt, "51")
    assert_nested_set_is_consistent(rt)


def test_chain_to_root_lists_ancestors_nearest_first(rt: Runtime) -> None:
    """A county's escalation chain is county, city, province."""
    with read_tx(rt.db) as conn:
        chain = [r.code for r in chain_to_root(conn, jid(rt, "510103"))]
    assert chain == ["510103", "5101", "51"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"code": "x1", "level": "county", "parent": "9999"}, "parent '9999' does not exist"),
    ({"code": "5101", "level": "city", "parent": "51"}, "code '5101' already exists"),
    ({"code": "x2", "level": "town", "parent": "5101"}, "level 'town' is not one of"),
    ({"code": "x3", "level": "county", "parent": "510101"}, "a county cannot sit under a county"),
])
def test_bad_jurisdictions_are_refused(rt: Runtime, kwargs: dict[str, Any],
                                       message: str) -> None:
    """Unknown parent, duplicate code, unknown level and a wrong nesting are OrgErrors."""
    with pytest.raises(OrgError, match=message), write_tx(rt.db) as conn:
        add_jurisdiction(conn, name="坏", **kwargs)
    assert_nested_set_is_consistent(rt)


def test_unknown_role_is_refused(rt: Runtime, clock: ManualClock) -> None:
    """A user needs one of the engine's roles; 'system' is not for people."""
    for role in ("boss", "system"):
        with pytest.raises(OrgError, match=f"role '{role}' is not one of"), \
                write_tx(rt.db) as conn:
            add_user(conn, name="某人", role=role, jurisdiction="5101", unit=None,
                     now=clock.now())


def test_duplicate_unit_and_unknown_kind_are_refused(rt: Runtime) -> None:
    """Unit codes are unique and kinds come from the fixed list."""
    with pytest.raises(OrgError, match="unit code 'city-police' already exists"), \
            write_tx(rt.db) as conn:
        add_unit(conn, code="city-police", name="重复", kind="police", jurisdiction="5101")
    with pytest.raises(OrgError, match="kind 'army' is not one of"), write_tx(rt.db) as conn:
        add_unit(conn, code="new-unit", name="新", kind="army", jurisdiction="5101")


def test_user_unit_must_be_inside_the_users_jurisdiction(rt: Runtime,
                                                         clock: ManualClock) -> None:
    """A county user cannot belong to a city unit."""
    with pytest.raises(OrgError, match="outside jurisdiction"), write_tx(rt.db) as conn:
        add_user(conn, name="某人", role="handler", jurisdiction="510101", unit="city-police",
                 now=clock.now())


def test_a_bad_org_file_loads_nothing(rt: Runtime, clock: ManualClock, tmp_path: Path) -> None:
    """An org file with one bad entry is refused whole: its good entries are not kept."""
    bad = tmp_path / "org.yaml"
    bad.write_text("jurisdictions:\n  - {code: '5199', name: 好市, level: city, parent: '51'}\n"
                   "  - {code: '519901', name: 坏县, level: county, parent: '5198'}\n", "utf-8")
    with pytest.raises(OrgError, match=r"jurisdictions\[1\] \(519901\): unknown parent '5198'"), \
            write_tx(rt.db) as conn:
        load_org(conn, read_org_file(bad), clock.now())
    with read_tx(rt.db) as conn:
        assert conn.execute(select(JUR.c.id).where(JUR.c.code == "5199")).first() is None


@pytest.mark.parametrize(("text", "message"), [
    ("jurisdictions: [\n", "not valid YAML"),
    ("- a list\n", "must be a mapping"),
    ("units:\n  - {code: u1, name: 单位}\n", r"units\[0\] \(u1\): missing kind, jurisdiction"),
])
def test_malformed_org_files_are_refused(rt: Runtime, clock: ManualClock, tmp_path: Path,
                                         text: str, message: str) -> None:
    """Broken YAML, a non-mapping and missing keys are OrgErrors naming the problem."""
    f = tmp_path / "org.yaml"
    f.write_text(text, "utf-8")
    with pytest.raises(OrgError, match=message), write_tx(rt.db) as conn:
        load_org(conn, read_org_file(f), clock.now())


def test_actor_scope_follows_the_jurisdiction(rt: Runtime, actors: dict[str, Actor]) -> None:
    """A county user sees only its county; the city its counties; the province everything."""
    county, city, province = (actors["东城办-联络员"], actors["市办-线索组"],
                              actors["省指导组-审计"])
    assert codes(rt, county.scope or frozenset()) == {"510101"}
    assert codes(rt, city.scope or frozenset()) == {"5101", *COUNTIES}
    assert codes(rt, province.scope or frozenset()) == {"51", "5101", *COUNTIES}
    assert not county.sees(jid(rt, "510102"))
    assert not city.sees(jid(rt, "51"))


def test_a_new_county_joins_the_city_actors_scope(rt: Runtime) -> None:
    """Scope is computed from the tree, so a county added later is in the city's scope."""
    with write_tx(rt.db) as conn:
        add_jurisdiction(conn, code="510104", name="北坡县", level="county", parent="5101")
    assert actors_of(rt)["市办-线索组"].sees(jid(rt, "510104"))


def test_a_missing_org_file_is_an_org_error(tmp_path: Path) -> None:
    """Naming a file that does not exist is a clear OrgError, not a crash."""
    with pytest.raises(OrgError, match="cannot read the org file: No such file"):
        read_org_file(tmp_path / "nope.yaml")


BAD_ORG = """
jurisdictions:
  - {code: "5102", name: 新市, level: city, parent: "51"}
  - {code: "510201", name: 甲县, level: county, parent: "5109"}
  - {code: "510202", name: 乙县, level: town, parent: "5102"}
  - {code: "510203", name: 丙县, level: county, parent: "510299"}
  - {code: "510299", name: 丁县, level: county, parent: "5102"}
  - {code: "5103", name: 重复, level: city, parent: "5101"}
  - {code: "5102", name: 又一个, level: city, parent: "51"}
  - {name: 无码县, level: county}
units:
  - {code: xj-police, name: 新市公安局, kind: police, jurisdiction: "5102"}
  - {code: xj-army, name: 新市某部, kind: army, jurisdiction: "5102"}
  - {code: xj-court, name: 新市法院, kind: court, jurisdiction: "5199"}
  - just a string
users:
  - {name: 新市-承办人, role: handler, jurisdiction: "5102", unit: xj-police}
  - {name: 东城公安-承办人2, role: handler, jurisdiction: "510101", unit: dc-polise}
  - {name: 某人, role: boss, jurisdiction: "5102"}
  - {name: 越界, role: handler, jurisdiction: "510101", unit: xj-police}
  - {name: 无处, role: office, jurisdiction: "5188"}
"""


def test_an_org_file_reports_every_problem_by_entry(rt: Runtime, clock: ManualClock,
                                                    tmp_path: Path) -> None:
    """One load names every bad entry (section, index, code or name) in file order, and
    writes nothing, not even the good entries."""
    f = tmp_path / "org.yaml"
    f.write_text(BAD_ORG, "utf-8")
    with pytest.raises(OrgError) as exc, write_tx(rt.db) as conn:
        load_org(conn, read_org_file(f), clock.now())
    assert str(exc.value).splitlines() == [
        "13 problem(s) in the org file, nothing was loaded:",
        "  jurisdictions[1] (510201): unknown parent '5109'",
        "  jurisdictions[2] (510202): level 'town' is not one of province, city, county",
        "  jurisdictions[3] (510203): parent '510299' is listed after it (list parents first)",
        "  jurisdictions[5] (5103): a city cannot sit under the city '5101'",
        "  jurisdictions[6] (5102): code '5102' is listed twice (also jurisdictions[0])",
        "  jurisdictions[7]: missing code",
        "  units[1] (xj-army): kind 'army' is not one of committee, police, procuratorate, "
        "court, justice, office, discipline",
        "  units[2] (xj-court): unknown jurisdiction '5199'",
        "  units[3]: must be a mapping with code, name, kind, jurisdiction",
        "  users[1] (东城公安-承办人2): unknown unit 'dc-polise'",
        "  users[2] (某人): role 'boss' is not one of admin, client, handler, office, supervisor",
        "  users[3] (越界): unit 'xj-police' is outside jurisdiction '510101'",
        "  users[4] (无处): unknown jurisdiction '5188'",
    ]
    with read_tx(rt.db) as conn:
        assert conn.execute(select(JUR.c.id).where(JUR.c.code == "5102")).first() is None


def test_a_good_org_file_still_loads_after_a_refused_one(rt: Runtime, clock: ManualClock,
                                                         tmp_path: Path) -> None:
    """The checks know what the database already holds: a file naming stored parents and
    units loads, and loading it twice adds nothing."""
    f = tmp_path / "org.yaml"
    f.write_text("jurisdictions:\n  - {code: '510104', name: 北坡县, level: county, "
                 "parent: '5101'}\nunits:\n  - {code: bp-police, name: 北坡县公安局, "
                 "kind: police, jurisdiction: '510104'}\nusers:\n  - {name: 北坡-承办人, "
                 "role: handler, jurisdiction: '510104', unit: bp-police}\n  - {name: 市里人, "
                 "role: handler, jurisdiction: '5101', unit: bp-police}\n", "utf-8")
    for expected in (2, 0):
        with write_tx(rt.db) as conn:
            assert len(load_org(conn, read_org_file(f), clock.now()).users) == expected
