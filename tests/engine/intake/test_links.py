"""Links between leads: related without merging, merges in both histories, scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import InvalidData, NotFound
from engine.intake.links import link_leads, read_links
from engine.items.transition import apply
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import EVENT
from engine.storage.db import read_tx
from tests.fixtures.intake import MakeLead


def _history(rt: Runtime, item_id: int) -> list[tuple[str, dict[str, object]]]:
    with read_tx(rt.db) as conn:
        return [(r.trigger, r.data) for r in conn.execute(
            select(EVENT.c.trigger, EVENT.c.data).where(EVENT.c.item_id == item_id)
            .order_by(EVENT.c.seq))]


def test_linking_records_in_both_histories(rt: Runtime, make_lead: MakeLead,
                                           actors: dict[str, Actor]) -> None:
    """Linking two related leads adds a link event to each, naming the other."""
    a = make_lead().change
    b = make_lead(subject={"name": "李四", "unit": "东城区法院"}).change
    assert link_leads(rt, actor=actors["市办-线索组"], item_id=a.item_id, other_id=b.item_id,
                      note="同一案件的不同环节")
    assert _history(rt, a.item_id)[-1] == ("link", {"item_id": b.item_id, "ref": b.ref,
                                                    "kind": "related"})
    assert _history(rt, b.item_id)[-1] == ("link", {"item_id": a.item_id, "ref": a.ref,
                                                    "kind": "related"})


def test_linking_does_not_move_either_lead(rt: Runtime, make_lead: MakeLead,
                                           actors: dict[str, Actor]) -> None:
    """Related leads stay in their states and are both listed as related."""
    a = make_lead().change
    b = make_lead(subject={"name": "李四", "unit": "东城区法院"}).change
    link_leads(rt, actor=actors["市办-线索组"], item_id=a.item_id, other_id=b.item_id)
    links = read_links(rt, actor=actors["市办-线索组"], item_id=b.item_id)
    assert [(v.kind, v.item_id, v.state) for v in links] == [("related", a.item_id,
                                                               "received")]


def test_linking_twice_writes_nothing_more(rt: Runtime, make_lead: MakeLead,
                                           actors: dict[str, Actor]) -> None:
    """A second link of the same pair is a no-op."""
    a = make_lead().change
    b = make_lead(subject={"name": "李四", "unit": "东城区法院"}).change
    office = actors["市办-线索组"]
    link_leads(rt, actor=office, item_id=a.item_id, other_id=b.item_id)
    assert not link_leads(rt, actor=office, item_id=b.item_id, other_id=a.item_id)
    assert len(_history(rt, a.item_id)) == 2


def test_a_lead_cannot_link_to_itself(rt: Runtime, make_lead: MakeLead,
                                      actors: dict[str, Actor]) -> None:
    """Linking a lead to itself is bad input."""
    a = make_lead().change
    with pytest.raises(InvalidData):
        link_leads(rt, actor=actors["市办-线索组"], item_id=a.item_id, other_id=a.item_id)


def test_linking_to_an_out_of_scope_lead_is_refused(rt: Runtime, make_lead: MakeLead,
                                                    actors: dict[str, Actor]) -> None:
    """A lead of a sibling county is refused like a missing one, and nothing is written."""
    mine = make_lead(jurisdiction="510101").change
    theirs = make_lead(jurisdiction="510102", subject={"name": "王五", "unit": "西城县公安局"})
    with pytest.raises(InvalidData, match="no other item"):
        link_leads(rt, actor=actors["东城办-联络员"], item_id=mine.item_id,
                   other_id=theirs.change.item_id)
    assert len(_history(rt, mine.item_id)) == 1


def test_merge_records_the_link_in_both_histories(rt: Runtime, make_lead: MakeLead,
                                                  actors: dict[str, Actor]) -> None:
    """并案: the merged lead's merge event and a link event on the lead it joins."""
    keep = make_lead().change
    dup = make_lead().change
    apply(rt, actor=actors["市办-线索组"], item_id=dup.item_id, trigger="merge",
          data={"merge_into": keep.item_id}, comment="同一问题重复举报")
    assert _history(rt, dup.item_id)[-1] == ("merge", {"merge_into": keep.item_id})
    assert _history(rt, keep.item_id)[-1] == ("link", {
        "item_id": dup.item_id, "ref": dup.ref, "via": "merge", "field": "merge_into"})


def test_merges_and_duplicates_are_listed(rt: Runtime, make_lead: MakeLead,
                                          actors: dict[str, Actor]) -> None:
    """Each side lists the duplicate flag and its side of the merge."""
    office = actors["市办-线索组"]
    keep = make_lead().change
    dup = make_lead().change
    apply(rt, actor=office, item_id=dup.item_id, trigger="merge",
          data={"merge_into": keep.item_id})
    assert [(v.kind, v.item_id) for v in read_links(rt, actor=office, item_id=keep.item_id)
            ] == [("duplicate", dup.item_id), ("merged_from", dup.item_id)]
    assert [(v.kind, v.item_id) for v in read_links(rt, actor=office, item_id=dup.item_id)
            ] == [("duplicate", keep.item_id), ("merged_into", keep.item_id)]


def test_links_to_unseen_leads_are_hidden(rt: Runtime, make_lead: MakeLead,
                                          actors: dict[str, Actor]) -> None:
    """A county office sees its lead's duplicate flags only for leads in its scope."""
    make_lead(jurisdiction="510102")
    mine = make_lead(jurisdiction="510101")
    assert mine.possible_duplicates  # flagged at intake, across counties
    assert read_links(rt, actor=actors["东城办-联络员"], item_id=mine.change.item_id) == []
    assert len(read_links(rt, actor=actors["市办-线索组"], item_id=mine.change.item_id)) == 1


def test_links_of_an_unseen_lead_are_not_found(rt: Runtime, make_lead: MakeLead,
                                               actors: dict[str, Actor]) -> None:
    """Asking for the links of a lead out of scope is NotFound."""
    theirs = make_lead(jurisdiction="510102").change
    with pytest.raises(NotFound):
        read_links(rt, actor=actors["东城办-联络员"], item_id=theirs.item_id)


def test_linking_from_an_out_of_scope_lead_is_not_found(rt: Runtime, make_lead: MakeLead,
                                                        actors: dict[str, Actor]) -> None:
    """The lead named in the path must be visible, else NotFound."""
    mine = make_lead(jurisdiction="510101").change
    theirs = make_lead(jurisdiction="510102").change
    with pytest.raises(NotFound):
        link_leads(rt, actor=actors["东城办-联络员"], item_id=theirs.item_id,
                   other_id=mine.item_id)
