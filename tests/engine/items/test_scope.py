"""Who sees which item, on SQLite and PostgreSQL: a handler their unit's items and those
assigned to them, the platform (client) only what it handed in, offices, supervisors and
admins their subtree, the scheduler everything — the same answer from the row check
(`sees_item`), every SQL path (`visible_items` in lists, reports, the audit listing) and the
one writer."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from sqlalchemy import select

from engine.errors import InvalidData, NotFound
from engine.items import (
    EventFilters,
    ItemFilters,
    get_item,
    history,
    item_ids_in_scope,
    list_events,
    list_items,
    sees_item,
    summary,
    visible_items,
)
from engine.items.transition import apply, create_item
from engine.kernel.actors import SYSTEM, Actor
from engine.kernel.clock import ManualClock
from engine.org.tree import load_org
from engine.runtime import Runtime
from engine.storage import ITEM
from engine.storage.db import read_tx, write_tx
from engine.storage.schema import alembic_config, upgrade
from tests.conftest import actors_of
from tests.engine.helpers import event_count, item_row, jid

# lead v3: sending a lead to investigation records how it is disposed of (处置方式)
ACCEPT = {"disposal": "preliminary_check"}

LEAD = {"channel": "letter", "category": "violation"}
CITY_OFFICE, DC_OFFICE, XC_OFFICE = "市办-线索组", "东城办-联络员", "西城办-联络员"
DC_HANDLER, XC_HANDLER, CITY_HANDLER = "东城公安-承办人", "西城公安-承办人", "市公安-承办人"
CLIENT = "检举举报平台"
EVERYTHING = {"dc_police", "dc_court", "assigned", "platform", "dc_unrouted", "xc_police",
              "city_police"}
# Who sees which of the items `placed` makes. Written out by hand: this is the rule.
EXPECTED: dict[str, set[str]] = {
    DC_HANDLER: {"dc_police", "assigned"},  # not 东城法院's lead in the same county
    XC_HANDLER: {"xc_police"},
    CITY_HANDLER: {"city_police"},  # the city handler: its unit, not the city's subtree
    CLIENT: {"platform"},  # never a staff-entered lead
    DC_OFFICE: {"dc_police", "dc_court", "assigned", "platform", "dc_unrouted"},
    XC_OFFICE: {"xc_police"},
    "南山办-联络员": set(),
    CITY_OFFICE: EVERYTHING,
    "省指导组-审计": EVERYTHING,
    "省管理员": EVERYTHING,
}


def lead(rt: Runtime, actor: Actor, code: str, unit: str | None = None) -> int:
    return create_item(rt, actor=actor, workflow="lead", jurisdiction_id=jid(rt, code),
                       title=f"线索 {code} {unit}", data=LEAD, unit=unit).item_id


@pytest.fixture
def placed(rt: Runtime, actors: dict[str, Actor]) -> dict[str, int]:
    """Leads placed every way that matters: by unit, by assignee, by who handed them in."""
    city = actors[CITY_OFFICE]
    out = {
        "dc_police": lead(rt, city, "510101", "dc-police"),
        "dc_court": lead(rt, city, "510101", "dc-court"),
        "assigned": lead(rt, city, "510101"),
        "platform": lead(rt, actors[CLIENT], "510101"),
        "dc_unrouted": lead(rt, actors[DC_OFFICE], "510101"),
        "xc_police": lead(rt, actors[XC_OFFICE], "510102", "xc-police"),
        "city_police": lead(rt, city, "5101", "city-police"),
    }
    # 东城法院's lead, assigned to the 东城公安 handler by name
    apply(rt, actor=city, item_id=out["assigned"], trigger="transfer",
          data={"unit": "dc-court", "assignee": actors[DC_HANDLER].user_id})
    return out


def names(placed: dict[str, int], ids: Any) -> set[str]:
    by_id = {v: k for k, v in placed.items()}
    return {by_id[i] for i in ids}


def everyone(actors: dict[str, Actor]) -> list[tuple[str, Actor]]:
    return [*sorted(actors.items()), ("system", SYSTEM)]


def test_the_expectations_cover_every_user(actors: dict[str, Actor]) -> None:
    """Each user of the example org has a row above (a new user needs one)."""
    assert set(EXPECTED) == set(actors)


def test_row_check_and_sql_filter_agree_with_the_rule(rt: Runtime, actors: dict[str, Actor],
                                                      placed: dict[str, int]) -> None:
    """sees_item on each row and the SQL of visible_items select exactly the expected items
    for every user, and everything for the scheduler."""
    expected = EXPECTED | {"system": EVERYTHING}
    with read_tx(rt.db) as conn:
        rows = conn.execute(select(ITEM)).all()
        for who, actor in everyone(actors):
            by_row = names(placed, [r.id for r in rows if sees_item(actor, r)])
            by_sql = names(placed, conn.execute(
                select(ITEM.c.id).where(*visible_items(conn, actor))).scalars())
            assert (who, by_row) == (who, expected[who])
            assert (who, by_sql) == (who, expected[who])


def test_reads_lists_reports_and_audit_follow_the_rule(rt: Runtime, actors: dict[str, Actor],
                                                        placed: dict[str, int]) -> None:
    """get_item and history answer NotFound outside the rule; lists (both orders), the
    summary, the audit listing and the ids to verify hold only what the rule admits."""
    now = rt.clock.now()
    with read_tx(rt.db) as conn:
        for who, actor in sorted(actors.items()):
            seen = EXPECTED[who]
            for name, item_id in placed.items():
                if name in seen:
                    assert get_item(conn, actor, item_id).id == item_id
                    assert history(conn, actor, item_id)
                else:
                    with pytest.raises(NotFound):
                        get_item(conn, actor, item_id)
                    with pytest.raises(NotFound):
                        history(conn, actor, item_id)
            for order in ("newest", "due"):
                page = list_items(conn, actor, ItemFilters(), now=now, order=order)
                assert (who, order, names(placed, [r.id for r in page.rows])) == (
                    who, order, seen)
            assert (who, summary(conn, actor, now=now).total) == (who, len(seen))
            events = list_events(conn, actor, EventFilters())
            assert (who, names(placed, {e.item_id for e in events.rows})) == (who, seen)
            ids = item_ids_in_scope(conn, actor)
            assert (who, names(placed, placed.values() if ids is None else ids)) == (who, seen)


def test_a_handlers_pages_hold_each_item_once_newest_first(
        rt: Runtime, actors: dict[str, Actor], placed: dict[str, int]) -> None:
    """A handler's list merges their unit's items and those assigned to them: following the
    cursor two at a time gives each once, newest first, also an item that is both."""
    city, handler = actors[CITY_OFFICE], actors[DC_HANDLER]
    more = [lead(rt, city, "510101", "dc-police") for _ in range(3)]
    both = lead(rt, city, "510101")
    apply(rt, actor=city, item_id=both, trigger="transfer",
          data={"unit": "dc-police", "assignee": handler.user_id})
    expected = sorted([placed["dc_police"], placed["assigned"], *more, both], reverse=True)
    seen: list[int] = []
    cursor = None
    with read_tx(rt.db) as conn:
        while True:
            page = list_items(conn, handler, ItemFilters(), now=rt.clock.now(), limit=2,
                              cursor=cursor)
            seen += [r.id for r in page.rows]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert seen == expected


def test_a_handler_cannot_act_on_another_units_item(rt: Runtime, actors: dict[str, Actor],
                                                    placed: dict[str, int]) -> None:
    """The one writer refuses 东城公安's handler on 东城法院's lead like a missing item, and
    writes nothing; the lead assigned to them by name they may accept."""
    court = placed["dc_court"]
    apply(rt, actor=actors[CITY_OFFICE], item_id=court, trigger="transfer",
          data={"unit": "dc-court"})
    before, n = item_row(rt, court), event_count(rt)
    with pytest.raises(NotFound, match=f"item {court} not found"):
        apply(rt, actor=actors[DC_HANDLER], item_id=court, trigger="accept", data=ACCEPT)
    after = item_row(rt, court)
    assert (after.state, after.version, event_count(rt)) == (before.state, before.version, n)
    change = apply(rt, actor=actors[DC_HANDLER], item_id=placed["assigned"], trigger="accept",
                   data=ACCEPT)
    assert change.to_state == "investigating"


def test_the_client_acts_only_on_what_it_handed_in(rt: Runtime, actors: dict[str, Actor],
                                                   placed: dict[str, int]) -> None:
    """Returned for information, a staff-entered lead is not the platform's to resubmit;
    its own is."""
    office, client = actors[DC_OFFICE], actors[CLIENT]
    for name in ("dc_unrouted", "platform"):
        apply(rt, actor=office, item_id=placed[name], trigger="return_for_info",
              data={"reason": "补充"})
    with pytest.raises(NotFound):
        apply(rt, actor=client, item_id=placed["dc_unrouted"], trigger="resubmit")
    assert apply(rt, actor=client, item_id=placed["platform"],
                 trigger="resubmit").to_state == "received"


def test_items_remember_who_handed_them_in(rt: Runtime, actors: dict[str, Actor],
                                           placed: dict[str, int]) -> None:
    """create_item stores its actor's user id in item.created_by."""
    assert item_row(rt, placed["platform"]).created_by == actors[CLIENT].user_id
    assert item_row(rt, placed["dc_unrouted"]).created_by == actors[DC_OFFICE].user_id


def test_a_handler_creates_only_for_their_own_unit(rt: Runtime,
                                                   actors: dict[str, Actor]) -> None:
    """A lead a handler could not see afterwards is refused with the fix (their unit); one
    for their unit is created and is theirs to see."""
    handler = actors[DC_HANDLER]
    n = event_count(rt)
    for unit in (None, "dc-court"):
        with pytest.raises(InvalidData, match="give unit 'dc-police', your unit"):
            lead(rt, handler, "510101", unit)
    assert event_count(rt) == n
    mine = lead(rt, handler, "510101", "dc-police")
    with read_tx(rt.db) as conn:
        assert get_item(conn, handler, mine).unit_code == "dc-police"


def test_the_scope_is_the_org_files_declaration(rt: Runtime, actors: dict[str, Actor],
                                                placed: dict[str, int],
                                                clock: ManualClock) -> None:
    """Declaring `handler: subtree` gives 东城公安's handler the whole county again: the rule
    is data, not code."""
    with write_tx(rt.db) as conn:
        load_org(conn, {"roles": {"handler": {"scope": "subtree"}}}, clock.now())
    handler = actors_of(rt)[DC_HANDLER]
    with read_tx(rt.db) as conn:
        page = list_items(conn, handler, ItemFilters(), now=clock.now())
    assert names(placed, [r.id for r in page.rows]) == EXPECTED[DC_OFFICE]


def test_an_item_reference_must_be_in_scope_too(rt: Runtime, actors: dict[str, Actor],
                                                placed: dict[str, int],
                                                clock: ManualClock) -> None:
    """With offices declared `unit`, 东城办 may not merge its lead into 东城公安's: the item
    named in merge_into is checked by the same rule as the item itself."""
    with write_tx(rt.db) as conn:
        load_org(conn, {"roles": {"office": {"scope": "unit"}}}, clock.now())
    office = actors_of(rt)[DC_OFFICE]
    own = lead(rt, office, "510101", "dc-office")
    n = event_count(rt)
    with pytest.raises(InvalidData, match="merge_into: no other lead item"):
        apply(rt, actor=office, item_id=own, trigger="merge",
              data={"merge_into": placed["dc_police"]})
    assert event_count(rt) == n


def test_upgrading_fills_created_by_from_the_create_event(rt: Runtime,
                                                          placed: dict[str, int]) -> None:
    """Migration 0007 gives items made before it their creator, read from the actor of their
    `create` audit event, on both databases."""
    with read_tx(rt.db) as conn:
        before = {r.id: r.created_by for r in conn.execute(select(ITEM))}
    assert None not in before.values()
    command.downgrade(alembic_config(rt.db), "0006")
    upgrade(rt.db)
    with read_tx(rt.db) as conn:
        assert {r.id: r.created_by for r in conn.execute(select(ITEM))} == before
