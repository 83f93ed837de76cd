"""Creating a lead: item data without the reporter, operator, protected rows, duplicates."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import IdentityKeyError
from engine.intake.lead import create_lead, parse_lead, vocabularies
from engine.items.audit import verify
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import EVENT, IDENTITY, ITEM, LINK
from engine.storage.db import read_tx
from tests.fixtures.intake import REPORTER_CONTACT, REPORTER_NAME, MakeLead, lead_body


def test_item_data_records_the_lead_but_not_the_reporter(rt: Runtime,
                                                         make_lead: MakeLead) -> None:
    """The item holds channel, category, subject and allegation, and no identity."""
    made = make_lead()
    with read_tx(rt.db) as conn:
        item = conn.execute(select(ITEM).where(ITEM.c.id == made.change.item_id)).one()
        event = conn.execute(select(EVENT).where(EVENT.c.item_id == item.id)).one()
    assert item.data["channel"] == "letter"
    assert item.data["subject"] == {"name": "张三", "unit": "东城区公安分局", "post": "民警"}
    assert item.data["reporter_kind"] == "named"
    for text in (repr(item.data), item.title, repr(event.data), event.comment):
        assert REPORTER_NAME not in text
        assert REPORTER_CONTACT not in text


def test_staff_entering_a_letter_are_the_operator(rt: Runtime, make_lead: MakeLead,
                                                  actors: dict[str, Actor]) -> None:
    """A lead entered by office staff records them as the operator."""
    office = actors["市办-线索组"]
    made = make_lead(office)
    assert made.change.data["operator"] == office.label


def test_platform_leads_have_no_operator(rt: Runtime, make_lead: MakeLead,
                                         actors: dict[str, Actor]) -> None:
    """A lead from the reporting platform (a client) has no operator."""
    made = make_lead(actors["检举举报平台"], channel="reporting_platform",
                     reporter={"anonymous": True})
    assert "operator" not in made.change.data


def test_identity_is_stored_encrypted(rt: Runtime, make_lead: MakeLead) -> None:
    """The reporter row holds ciphertext in which the name does not appear."""
    made = make_lead()
    with read_tx(rt.db) as conn:
        row = conn.execute(select(IDENTITY).where(
            IDENTITY.c.item_id == made.change.item_id)).one()
    assert REPORTER_NAME.encode() not in bytes(row.ciphertext)
    assert REPORTER_CONTACT.encode() not in bytes(row.ciphertext)
    assert len(row.nonce) == 12


def test_anonymous_platform_report_gets_a_receipt(rt: Runtime, make_lead: MakeLead,
                                                  actors: dict[str, Actor]) -> None:
    """An anonymous report through the platform returns a receipt code once."""
    made = make_lead(actors["检举举报平台"], channel="reporting_platform",
                     reporter={"anonymous": True})
    assert made.receipt_code is not None
    assert len(made.receipt_code.replace("-", "")) == 32


def test_named_or_staff_entered_leads_get_no_receipt(make_lead: MakeLead) -> None:
    """Only anonymous platform reporters need a receipt code."""
    assert make_lead().receipt_code is None


def test_named_reporter_without_key_saves_nothing(rt: Runtime,
                                                  actors: dict[str, Actor]) -> None:
    """Without LEADFLOW_IDENTITY_KEY a named lead is refused and no item is written."""
    lead = parse_lead(lead_body(), vocabularies(rt))
    with pytest.raises(IdentityKeyError):
        create_lead(rt, actor=actors["市办-线索组"], lead=lead, cipher=None)
    with read_tx(rt.db) as conn:
        assert conn.execute(select(func.count()).select_from(ITEM)).scalar_one() == 0


def test_anonymous_lead_works_without_key(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Without a key configured, anonymous leads are still taken in."""
    lead = parse_lead(lead_body(reporter={"anonymous": True}), vocabularies(rt))
    made = create_lead(rt, actor=actors["市办-线索组"], lead=lead, cipher=None)
    assert made.change.to_state == "received"


def test_out_of_scope_jurisdiction_is_refused(rt: Runtime, make_lead: MakeLead,
                                              actors: dict[str, Actor]) -> None:
    """A county operator cannot file a lead in a sibling county (looks like unknown)."""
    with pytest.raises(Exception, match="does not exist or is outside") as exc:
        make_lead(actors["东城办-联络员"], jurisdiction="510102")
    assert exc.type.__name__ == "InvalidData"


def test_same_person_and_unit_is_flagged_both_ways(rt: Runtime, make_lead: MakeLead) -> None:
    """A second lead about the same person and unit lists the first as a duplicate."""
    first = make_lead()
    second = make_lead(subject={"name": " 张 三", "unit": "东城区公安分局", "post": ""})
    assert second.possible_duplicates == (first.change.item_id,)
    with read_tx(rt.db) as conn:
        pairs = set(conn.execute(select(LINK.c.item_id, LINK.c.other_id).where(
            LINK.c.kind == "duplicate")).all())
    assert pairs == {(first.change.item_id, second.change.item_id),
                     (second.change.item_id, first.change.item_id)}


def test_same_name_in_another_unit_is_not_a_duplicate(make_lead: MakeLead) -> None:
    """Two people of the same name in different units are different people."""
    make_lead()
    other = make_lead(subject={"name": "张三", "unit": "西城县公安局"})
    assert other.possible_duplicates == ()


def test_intake_chain_verifies(rt: Runtime, make_lead: MakeLead) -> None:
    """Leads created through intake leave audit chains that verify."""
    make_lead()
    make_lead()
    with read_tx(rt.db) as conn:
        assert verify(conn).ok


def test_duplicates_name_only_leads_the_creator_may_see(rt: Runtime, make_lead: MakeLead,
                                                        actors: dict[str, Actor]) -> None:
    """A county office asking about a person reported in another county learns nothing:
    no id and no count. The flag is still stored, so whoever sees both leads finds it."""
    from engine.intake.links import read_links

    theirs = make_lead(jurisdiction="510102").change  # 西城县, by the city office
    mine_first = make_lead(actors["东城办-联络员"], jurisdiction="510101").change
    mine = make_lead(actors["东城办-联络员"], jurisdiction="510101")
    assert mine.possible_duplicates == (mine_first.item_id,)
    with read_tx(rt.db) as conn:
        flagged = set(conn.execute(select(LINK.c.other_id).where(
            LINK.c.item_id == mine.change.item_id, LINK.c.kind == "duplicate")).scalars())
    assert flagged == {theirs.item_id, mine_first.item_id}
    city = actors["市办-线索组"]
    assert {v.item_id for v in read_links(rt, actor=city, item_id=mine.change.item_id)} == \
        {theirs.item_id, mine_first.item_id}


def test_a_lead_out_of_every_scope_is_never_named(rt: Runtime, make_lead: MakeLead,
                                                  actors: dict[str, Actor]) -> None:
    """The first lead about a person, in a county the next creator cannot see, gives that
    creator an empty list, as if there were none."""
    make_lead(jurisdiction="510103")  # 南山县
    made = make_lead(actors["西城办-联络员"], jurisdiction="510102")
    assert made.possible_duplicates == ()
