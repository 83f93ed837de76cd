"""Names for ids, and the org choices a viewer may pick from: units, users and jurisdictions
in their scope. Visibility is the engine's (`Actor.sees`, `user_ids_in_scope`); this module
only reads names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from engine.items import user_ids_in_scope
from engine.kernel import Actor
from engine.storage import JUR, UNIT, USER


@dataclass(frozen=True, kw_only=True)
class Directory:
    units: dict[int, Any]  # id → row (code, name, jurisdiction_id), in scope
    users: dict[int, Any]  # id → row (name, role, unit_id, jurisdiction_id), in scope
    jurisdictions: dict[int, Any]  # id → row (code, name, level, parent_id, lft), in scope
    # code → name of the offices above the viewer (a notice's issuer, an escalation's
    # target): their names are no secret to those they write to; their items stay out of scope
    above: dict[str, str] = field(default_factory=dict)

    def unit_name(self, unit_id: int | None) -> str:
        if unit_id is None:
            return "—"
        row = self.units.get(unit_id)
        return row.name if row else "上级或其他辖区的单位"

    def user_name(self, user_id: int | None) -> str:
        if user_id is None:
            return "—"
        row = self.users.get(user_id)
        return row.name if row else "上级或其他辖区的人员"

    def actor_name(self, label: str) -> str:
        """An audit actor label ("user:7", "system") as a name."""
        if label == "system":
            return "系统（到期提醒与督办）"
        if label.startswith("user:") and label[5:].isdigit():
            return self.user_name(int(label[5:]))
        return label

    def jurisdiction_name(self, code: str) -> str:
        """A jurisdiction's name by its code, in scope or above the viewer; the code itself
        for any other (a neighbouring county), which the event already names by code."""
        return next((j.name for j in self.jurisdictions.values() if j.code == code),
                    self.above.get(code, code))

    def unit_by_code(self, code: str) -> Any:
        return next((u for u in self.units.values() if u.code == code), None)


def directory(conn: Connection, actor: Actor) -> Directory:
    every = conn.execute(select(JUR.c.id, JUR.c.code, JUR.c.name, JUR.c.level, JUR.c.parent_id,
                                JUR.c.lft, JUR.c.rgt, JUR.c.depth).order_by(JUR.c.lft)).all()
    jurs = {r.id: r for r in every if actor.sees(r.id)}
    mine = next((r for r in every if r.id == actor.jurisdiction_id), None)
    above = {r.code: r.name for r in every
             if mine is not None and r.lft < mine.lft and r.rgt > mine.rgt}
    units = {r.id: r for r in conn.execute(
        select(UNIT.c.id, UNIT.c.code, UNIT.c.name, UNIT.c.kind, UNIT.c.jurisdiction_id)
        .order_by(UNIT.c.jurisdiction_id, UNIT.c.code)) if actor.sees(r.jurisdiction_id)}
    visible = user_ids_in_scope(conn, actor)
    q = select(USER.c.id, USER.c.name, USER.c.role, USER.c.unit_id, USER.c.jurisdiction_id,
               USER.c.active).order_by(USER.c.id)
    if visible is not None:
        q = q.where(USER.c.id.in_(visible))
    users = {r.id: r for r in conn.execute(q)}
    return Directory(units=units, users=users, jurisdictions=jurs, above=above)
