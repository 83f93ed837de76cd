"""Where an item sits: its unit, its jurisdiction and its assignee, set by the workflow's unit
and user fields, the same way at creation and in a transition; and the items an item_ref field
names. Read inside the writer's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from engine.errors import InvalidData
from engine.items.scope import sees_item
from engine.kernel import Actor, is_row_id
from engine.storage import ITEM, JUR, UNIT, USER
from engine.workflow import FieldSpec, WorkflowDef, is_blank


@dataclass(frozen=True, kw_only=True)
class Place:
    """Where the item is before routing: its jurisdiction and unit (None: no unit yet)."""

    jurisdiction_id: int
    unit_id: int | None


def route(conn: Connection, actor: Actor, wf: WorkflowDef, data: Mapping[str, Any],
          place: Place) -> dict[str, Any]:
    """The item columns that `data`'s unit and user fields set.

    A unit (a unit code) becomes the item's unit *and its jurisdiction the item's*: handing
    the item to the competent unit hands it over, so it lands inside that unit's reach. The
    unit must be inside the actor's scope. An assignee (a user id) must be active, visible to
    the actor, and work in the unit the item goes to or anywhere in that unit's jurisdiction
    subtree (no unit: the item's jurisdiction subtree)."""
    values: dict[str, Any] = {}
    unit, user = wf.routing_field("unit"), wf.routing_field("user")
    if unit is not None and not is_blank(data.get(unit.name)):
        code = str(data[unit.name])
        urow = conn.execute(select(UNIT.c.id, UNIT.c.jurisdiction_id)
                            .where(UNIT.c.code == code)).first()
        if urow is None or not actor.sees(urow.jurisdiction_id):
            raise InvalidData(f"{unit.name}: unit {code!r} does not exist or is outside your "
                              "jurisdiction", fields={unit.name: "unknown unit"})
        values |= {"unit_id": urow.id, "jurisdiction_id": urow.jurisdiction_id}
        place = Place(jurisdiction_id=urow.jurisdiction_id, unit_id=urow.id)
    if user is not None and data.get(user.name) is not None:
        uid = data[user.name]
        row = conn.execute(select(USER.c.id, USER.c.jurisdiction_id, USER.c.unit_id)
                           .where(USER.c.id == uid, USER.c.active.is_(True))
                           ).first() if is_row_id(uid) else None  # out of the id column's range
        if row is None or not actor.sees(row.jurisdiction_id) or not _works_at(conn, row, place):
            raise InvalidData(
                f"{user.name}: user {uid!r} does not exist, is outside your jurisdiction, or "
                "works neither in the item's unit nor inside its jurisdiction",
                fields={user.name: "unknown user, or not of the item's unit or jurisdiction"})
        values["assignee_id"] = row.id
    return values


def _works_at(conn: Connection, user: Any, place: Place) -> bool:
    if place.unit_id is not None and user.unit_id == place.unit_id:
        return True
    if place.unit_id is not None:  # the subtree of the unit's own jurisdiction
        root_id = conn.execute(select(UNIT.c.jurisdiction_id)
                               .where(UNIT.c.id == place.unit_id)).scalar_one()
    else:
        root_id = place.jurisdiction_id
    root = select(JUR.c.lft, JUR.c.rgt).where(JUR.c.id == root_id).subquery()
    inside = conn.execute(select(JUR.c.id).where(
        JUR.c.id == user.jurisdiction_id, JUR.c.lft >= root.c.lft, JUR.c.lft <= root.c.rgt)
    ).first()
    return inside is not None


def check_refs(conn: Connection, actor: Actor, wf: WorkflowDef, specs: Iterable[FieldSpec],
               data: Mapping[str, Any], item_id: int | None) -> None:
    """Each item_ref given names another item of the same workflow that the actor can see;
    an optional one left out is not looked up."""
    for spec in specs:
        ref = data.get(spec.name)
        if spec.kind != "item_ref" or ref is None:
            continue
        other = conn.execute(select(ITEM.c.id, ITEM.c.workflow, ITEM.c.jurisdiction_id,
                                    ITEM.c.unit_id, ITEM.c.assignee_id, ITEM.c.created_by)
                             .where(ITEM.c.id == ref)).first() if is_row_id(ref) else None
        if other is None or not sees_item(actor, other) or other.id == item_id \
                or other.workflow != wf.name:
            raise InvalidData(f"{spec.name}: no other {wf.name} item {ref!r} in your "
                              "jurisdiction", fields={spec.name: "unknown item"})
