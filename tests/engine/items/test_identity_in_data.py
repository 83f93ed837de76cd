"""The reporter's identity never enters item data: the guard matches keys in any case and
spelling (Reporter, reporter_phone, reporterPhone, 举报人电话), at any depth, inside lists too,
on creation and on every trigger. Most such keys are undeclared anyway; the guard is the
defence in depth for declared free-form object fields."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import InvalidData
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from tests.engine.helpers import event_count, item_row, jid
from tests.engine.items.probe import probe_actors, probe_rt

__all__ = ["probe_actors", "probe_rt"]  # fixtures used below

OFFICE = "市办-线索组"
LEAD = {"channel": "letter", "category": "law_enforcement"}


@pytest.mark.parametrize("key", ["reporter", "reporter_name", "reporter_contact", "Reporter",
                                 "REPORTER-NAME", "reporterPhone", "reporter_phone",
                                 "举报人电话", "whistleblower"])
def test_identity_never_goes_into_item_data(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor], key: str) -> None:
    """Generic item creation refuses reporter identity keys: they belong to lead intake."""
    before = event_count(rt_sqlite)
    with pytest.raises(InvalidData) as err:
        create_item(rt_sqlite, actor=actors_sqlite[OFFICE], workflow="lead",
                    jurisdiction_id=jid(rt_sqlite, "5101"), title="线索",
                    data=LEAD | {key: "张三 13800000000"})
    assert err.value.fields == {key: "the reporter's identity is not allowed in item data"}
    assert "stored encrypted apart from the item" in str(err.value)
    assert event_count(rt_sqlite) == before


@pytest.mark.parametrize(("extra", "path"), [
    ({"Reporter": "张三"}, "extra.Reporter"),
    ({"contact": {"reporter_phone": "13800000000"}}, "extra.contact.reporter_phone"),
    ({"people": [{"name": "甲"}, {"REPORTER-NAME": "张三"}]}, "extra.people[1].REPORTER-NAME"),
    ({"people": [[{"举报人": "张三"}]]}, "extra.people[0][0].举报人"),
])
def test_identity_is_refused_at_any_depth_of_a_free_object(
        probe_rt: Runtime, probe_actors: dict[str, Actor], extra: dict[str, Any],
        path: str) -> None:
    """probe's `extra` is a declared object with free keys: identity anywhere inside it is
    refused, on creation and on a trigger, and named by its path."""
    office = probe_actors[OFFICE]
    with pytest.raises(InvalidData) as created:
        create_item(probe_rt, actor=office, workflow="probe",
                    jurisdiction_id=jid(probe_rt, "5101"), title="探针", data={"extra": extra})
    assert set(created.value.fields) == {path}
    item = create_item(probe_rt, actor=office, workflow="probe",
                       jurisdiction_id=jid(probe_rt, "5101"), title="探针",
                       data={"extra": {"note": "无关"}}).item_id
    with pytest.raises(InvalidData) as fired:
        apply(probe_rt, actor=office, item_id=item, trigger="grade",
              data={"grade": "a", "note": {"reporter": "张三"}})
    assert set(fired.value.fields) == {"note.reporter"}
    assert item_row(probe_rt, item).state == "open"


def test_whether_the_reporter_is_anonymous_is_not_identity(
        probe_rt: Runtime, probe_actors: dict[str, Actor]) -> None:
    """reporter_kind (anonymous / named), which lead intake records, passes; the person
    reported on (reported_person) is not the reporter."""
    data = {"extra": {"reporter_kind": "named", "reported_person": "李四",
                      "subject": {"name": "李四"}}}
    item = create_item(probe_rt, actor=probe_actors[OFFICE], workflow="probe",
                       jurisdiction_id=jid(probe_rt, "5101"), title="探针", data=data).item_id
    assert item_row(probe_rt, item).data == data
