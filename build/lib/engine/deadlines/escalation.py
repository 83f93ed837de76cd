"""The escalation chain: who a reminder or an escalation of an item goes to.

Level 1 is the office of the item's own jurisdiction, level 2 the office of its parent (the
city for a county item), level 3 the top of the tree (the root's office: the provincial
guidance group). Offices are units of kind "office". A jurisdiction without an office passes
the escalation on to the nearest ancestor that has one, so an escalation never goes nowhere.
For an item already high in the tree the levels meet at the top (a city item's levels 2 and
3 both reach the province) and are still recorded separately.

Recipients of a target are the active users attached to one of its office units (whatever
their role: the guidance group's users are supervisors), plus the users with role `office`
of the target jurisdiction. A reminder goes to the item's assignee, else to the users of its
handling unit, else to its level-1 office."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, or_, select

from engine.kernel import Role
from engine.org import chain_to_root
from engine.storage import JUR, UNIT, USER


@dataclass(frozen=True, kw_only=True)
class Office:
    unit_id: int
    code: str
    name: str
    webhook_url: str | None


@dataclass(frozen=True, kw_only=True)
class Target:
    """Where one notice goes: a jurisdiction, its offices (for webhooks and labels) and the
    user ids to notify."""

    jurisdiction_id: int
    jurisdiction_code: str
    label: str
    offices: tuple[Office, ...]
    recipients: tuple[int, ...]


def chain_index(level: int, chain_length: int) -> int:
    """Index in the chain (item's jurisdiction first, root last) that `level` aims at."""
    if level >= 3:
        return chain_length - 1
    return min(max(level, 1) - 1, chain_length - 1)


class Chain:
    """Resolves targets, caching per jurisdiction: the org is small and a sweep asks the
    same few questions thousands of times."""

    def __init__(self) -> None:
        self._levels: dict[tuple[int, int], Target] = {}
        self._units: dict[int, Target | None] = {}

    def for_level(self, conn: Connection, jurisdiction_id: int, level: int) -> Target:
        key = (jurisdiction_id, level)
        if key not in self._levels:
            self._levels[key] = _level_target(conn, jurisdiction_id, level)
        return self._levels[key]

    def for_reminder(self, conn: Connection, item: Any) -> Target:
        """The assignee, else the handling unit's users, else the level-1 office."""
        if item.assignee_id is not None:
            base = self.for_level(conn, item.jurisdiction_id, 1)
            unit = self._unit_target(conn, item.unit_id) if item.unit_id is not None else None
            offices = unit.offices if unit is not None else ()
            return Target(jurisdiction_id=item.jurisdiction_id,
                          jurisdiction_code=base.jurisdiction_code, label="承办人",
                          offices=offices, recipients=(int(item.assignee_id),))
        if item.unit_id is not None:
            unit = self._unit_target(conn, item.unit_id)
            if unit is not None:
                return unit
        return self.for_level(conn, item.jurisdiction_id, 1)

    def _unit_target(self, conn: Connection, unit_id: int) -> Target | None:
        if unit_id not in self._units:
            self._units[unit_id] = _unit_target(conn, unit_id)
        return self._units[unit_id]


def _offices(conn: Connection, jurisdiction_id: int) -> tuple[Office, ...]:
    rows = conn.execute(select(UNIT).where(UNIT.c.jurisdiction_id == jurisdiction_id,
                                           UNIT.c.kind == "office").order_by(UNIT.c.code))
    return tuple(Office(unit_id=r.id, code=r.code, name=r.name, webhook_url=r.webhook_url)
                 for r in rows)


def _level_target(conn: Connection, jurisdiction_id: int, level: int) -> Target:
    chain = chain_to_root(conn, jurisdiction_id)
    start = chain_index(level, len(chain))
    for jur in chain[start:]:
        offices = _offices(conn, jur.id)
        if offices:
            return _target(conn, jur, offices)
    top = chain[-1]  # no office anywhere up the chain: aim at the top, nobody to tell
    return Target(jurisdiction_id=top.id, jurisdiction_code=top.code, label=top.name,
                  offices=(), recipients=())


def _target(conn: Connection, jur: Any, offices: tuple[Office, ...]) -> Target:
    unit_ids = [o.unit_id for o in offices]
    users = conn.execute(select(USER.c.id).where(
        USER.c.active.is_(True), USER.c.role != Role.client.value,
        or_(USER.c.unit_id.in_(unit_ids),
            (USER.c.jurisdiction_id == jur.id) & (USER.c.role == Role.office.value)),
    ).order_by(USER.c.id)).scalars().all()
    label = "、".join(o.name for o in offices)
    return Target(jurisdiction_id=jur.id, jurisdiction_code=jur.code, label=label,
                  offices=offices, recipients=tuple(int(u) for u in users))


def _unit_target(conn: Connection, unit_id: int) -> Target | None:
    unit = conn.execute(select(UNIT).where(UNIT.c.id == unit_id)).first()
    if unit is None:
        return None
    users = conn.execute(select(USER.c.id).where(
        USER.c.active.is_(True), USER.c.unit_id == unit_id,
        USER.c.role != Role.client.value).order_by(USER.c.id)).scalars().all()
    if not users:
        return None
    jur = conn.execute(select(JUR.c.code).where(JUR.c.id == unit.jurisdiction_id)).scalar_one()
    office = Office(unit_id=unit.id, code=unit.code, name=unit.name,
                    webhook_url=unit.webhook_url)
    return Target(jurisdiction_id=unit.jurisdiction_id, jurisdiction_code=jur,
                  label=unit.name, offices=(office,), recipients=tuple(int(u) for u in users))


def own_offices(conn: Connection, jurisdiction_id: int) -> Target | None:
    """The offices of exactly this jurisdiction and their users (for digests), or None."""
    jur = conn.execute(select(JUR).where(JUR.c.id == jurisdiction_id)).one()
    offices = _offices(conn, jur.id)
    return _target(conn, jur, offices) if offices else None
