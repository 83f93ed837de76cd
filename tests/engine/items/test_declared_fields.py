"""Items hold only declared fields: a trigger takes only the fields it declares (anything else
is refused, naming what it accepts), stores only the item fields it sets, keeps its parameters
in the audit event, and its conditions look at the data as stored, never at what it sends.
create_item checks data against the item's declared fields."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import InvalidData
from engine.intake.lead import parse_lead, vocabularies
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from tests.engine.helpers import event_count, events, fire_all, item_row, jid
from tests.engine.items.probe import probe_actors, probe_rt
from tests.fixtures.intake import lead_body

__all__ = ["probe_actors", "probe_rt"]  # fixtures used below

OFFICE, CLIENT = "市办-线索组", "检举举报平台"
LEAD = {"channel": "letter", "category": "law_enforcement"}


def new_lead(rt: Runtime, actor: Actor, **data: Any) -> int:
    return create_item(rt, actor=actor, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                       title="线索", data=LEAD | data).item_id


def unchanged(rt: Runtime, item_id: int, before: Any, n_events: int) -> None:
    after = item_row(rt, item_id)
    assert (after.state, after.version, after.data) == (before.state, before.version,
                                                          before.data)
    assert event_count(rt) == n_events


def test_a_trigger_cannot_rewrite_a_field_it_does_not_set(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor]) -> None:
    """accept takes only an assignee and the disposal: sending the allegation is refused,
    naming what accept takes, and the allegation stays as it was."""
    office = actors_sqlite[OFFICE]
    item = new_lead(rt_sqlite, office, allegation="原始反映内容")
    apply(rt_sqlite, actor=office, item_id=item, trigger="transfer", data={"unit": "city-police"})
    before, n = item_row(rt_sqlite, item), event_count(rt_sqlite)
    with pytest.raises(InvalidData) as info:
        apply(rt_sqlite, actor=office, item_id=item, trigger="accept",
              data={"allegation": "改写后的内容", "disposal": "talk_inquiry"})
    assert info.value.fields == {
        "allegation": "is not accepted by accept (accepted: assignee, disposal)"}
    assert "accepted: assignee, disposal" in str(info.value)
    unchanged(rt_sqlite, item, before, n)
    assert item_row(rt_sqlite, item).data["allegation"] == "原始反映内容"


def test_a_caller_cannot_satisfy_a_condition_by_sending_the_field(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor]) -> None:
    """transfer_to_discipline needs category=violation; sending it with the trigger does not
    make a law-enforcement lead a violation."""
    office = actors_sqlite[OFFICE]
    item = new_lead(rt_sqlite, office)
    before, n = item_row(rt_sqlite, item), event_count(rt_sqlite)
    with pytest.raises(InvalidData) as info:
        apply(rt_sqlite, actor=office, item_id=item, trigger="transfer_to_discipline",
              data={"reason": "涉嫌违纪", "category": "violation"})
    assert info.value.fields == {
        "category": "is not accepted by transfer_to_discipline (accepted: reason)"}
    unchanged(rt_sqlite, item, before, n)


def test_conditions_look_at_the_stored_data_not_at_what_the_trigger_sets(
        probe_rt: Runtime, probe_actors: dict[str, Actor]) -> None:
    """probe's approve may set grade and needs grade=a: an ungraded item is refused even when
    approve sends grade=a; graded first, it passes."""
    office = probe_actors[OFFICE]
    item = create_item(probe_rt, actor=office, workflow="probe",
                       jurisdiction_id=jid(probe_rt, "5101"), title="探针").item_id
    before, n = item_row(probe_rt, item), event_count(probe_rt)
    with pytest.raises(InvalidData) as info:
        apply(probe_rt, actor=office, item_id=item, trigger="approve", data={"grade": "a"})
    assert info.value.fields == {"grade": "needs grade equals 'a'"}
    unchanged(probe_rt, item, before, n)
    fire_all(probe_rt, office, item, [("grade", {"grade": "a"}), ("approve", {})])
    assert item_row(probe_rt, item).state == "done"


def test_parameters_stay_in_the_audit_event_and_item_fields_are_stored(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor]) -> None:
    """A reason (a parameter) is recorded in the event only; close's outcome and conclusion
    are item fields and stored; the unit lives in the item's columns, not its data."""
    office = actors_sqlite[OFFICE]
    item = new_lead(rt_sqlite, office)
    fire_all(rt_sqlite, office, item, [
        ("return_for_info", {"reason": "缺被反映人单位"}), ("resubmit", {}),
        ("transfer", {"unit": "city-police"}), ("accept", {"disposal": "preliminary_check"}),
        ("close", {"outcome": "unfounded", "conclusion": "查无实据",
                   "disposal": "preliminary_check"})])
    row = item_row(rt_sqlite, item)
    assert row.data == LEAD | {"outcome": "unfounded", "conclusion": "查无实据",
                               "disposal": "preliminary_check"}
    assert row.unit_id is not None
    trail = {e.trigger: e.data for e in events(rt_sqlite, item)}
    assert trail["return_for_info"] == {"reason": "缺被反映人单位"}
    assert trail["transfer"] == {"unit": "city-police"}


@pytest.mark.parametrize(("data", "fields"), [
    (LEAD | {"colour": "red"},
     {"colour": "is not accepted by lead items (accepted: channel, category, subject, "
                "allegation, attachments, reporter_kind, operator, unit)"}),
    ({"channel": "letter"}, {"category": "is required"}),
    ({"channel": 5, "category": "violation"},
     {"channel": "must be one of: reporting_platform, report_box, letter, phone, online, "
                 "inspection_transfer, key_case_review, petition_cleanup, "
                 "supervision_inspection"}),
    (LEAD | {"outcome": "unfounded"}, {"outcome": "is set by a transition, not at creation"}),
    (LEAD | {"subject": {"name": "张三", "unit": "东城区公安分局", "age": 40}},
     {"subject.age": "not a field of subject (accepted: name, unit, post)"}),
    (LEAD | {"subject": {"name": "张三"}}, {"subject.unit": "is required"}),
    (LEAD | {"attachments": [{"name": "a.pdf", "size": "大", "sha256": "0" * 64}]},
     {"attachments[0].size": "must be an integer"}),
    (LEAD | {"allegation": ["不是", "文本"]}, {"allegation": "must be a string"}),
])
def test_create_item_checks_data_against_the_declared_fields(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor], data: dict[str, Any],
        fields: dict[str, str]) -> None:
    """Undeclared keys, missing required fields, wrong types and vocabularies, fields only a
    transition sets, and the keys inside an object or list are all refused; no item appears."""
    n = event_count(rt_sqlite)
    with pytest.raises(InvalidData) as info:
        create_item(rt_sqlite, actor=actors_sqlite[OFFICE], workflow="lead",
                    jurisdiction_id=jid(rt_sqlite, "5101"), title="线索", data=data)
    assert info.value.fields == fields
    assert event_count(rt_sqlite) == n


def test_a_field_may_be_given_at_creation_only_by_its_create_roles(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor]) -> None:
    """The reporting platform (client) may not name an operator; office staff may."""
    office, client = actors_sqlite[OFFICE], actors_sqlite[CLIENT]
    with pytest.raises(InvalidData) as info:
        new_lead(rt_sqlite, client, operator="user:1")
    assert info.value.fields == {
        "operator": "may not be given at creation by client (only by office, handler, admin)"}
    item = new_lead(rt_sqlite, office, operator=office.label)
    assert item_row(rt_sqlite, item).data["operator"] == office.label


@pytest.mark.parametrize("who", [OFFICE, CLIENT])
@pytest.mark.parametrize("reporter", [{"anonymous": True},
                                      {"anonymous": False, "name": "甲", "contact": "1"}])
def test_lead_intake_stores_only_declared_fields(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor], who: str,
        reporter: dict[str, Any]) -> None:
    """What lead intake (and so the CSV import) puts into item data is declared in
    lead.yaml and may be given by the staff and the platform that hand leads in: the same
    data is a valid item for create_item."""
    actor = actors_sqlite[who]
    lead = parse_lead(lead_body(reporter=reporter, attachments=[
        {"name": "信.pdf", "size": 1024, "sha256": "ab" * 32}]), vocabularies(rt_sqlite))
    data = lead.item_data(actor)
    item = create_item(rt_sqlite, actor=actor, workflow="lead",
                       jurisdiction_id=jid(rt_sqlite, "510101"), title="线索", data=data)
    assert item_row(rt_sqlite, item.item_id).data == data
    assert set(data) <= set(rt_sqlite.registry.latest("lead").fields)
