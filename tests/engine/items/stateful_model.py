"""What the stateful test knows without asking the engine: the example org (who sits where),
values drawn by a field's declared type, good or deliberately broken, and the outcome a
trigger must have and why (scope, state, role, field, reference, condition, unit, assignee)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import Connection, select

from engine.items.scope import sees_item
from engine.kernel.actors import Actor
from engine.storage import ITEM, JUR, UNIT, USER
from engine.workflow import FieldSpec, TransitionDef, WorkflowDef

Draw = Callable[..., Any]  # hypothesis' DataObject.draw
TEXT = st.text(alphabet="甲乙丙丁说明情况 abc", min_size=1, max_size=12).filter(str.strip)
# a value of the wrong type for each kind (a text where an id belongs, a number for text)
WRONG: dict[str, Any] = {"text": 5, "integer": "五", "number": "五", "boolean": "yes",
                         "date": "2026-02-30", "enum": "no_such_value", "item_ref": "LEAD-1",
                         "unit": 5, "user": "someone", "object": ["x"], "list": {"x": 1}}


@dataclass(frozen=True, kw_only=True)
class Org:
    """The example org as rows: units and users with their jurisdictions, the tree."""

    parent: Mapping[int, int | None]
    unit_jur: Mapping[str, int]  # unit code → jurisdiction
    unit_id: Mapping[str, int]
    users: Mapping[int, tuple[int, int | None]]  # user id → (jurisdiction, unit)

    @staticmethod
    def read(conn: Connection) -> Org:
        return Org(parent={r.id: r.parent_id for r in conn.execute(select(JUR))},
                   unit_jur={r.code: r.jurisdiction_id for r in conn.execute(select(UNIT))},
                   unit_id={r.code: r.id for r in conn.execute(select(UNIT))},
                   users={r.id: (r.jurisdiction_id, r.unit_id)
                          for r in conn.execute(select(USER))})

    def inside(self, jur: int, root: int) -> bool:
        node: int | None = jur
        while node is not None:
            if node == root:
                return True
            node = self.parent[node]
        return False

    def may_assign(self, actor: Actor, user: Any, unit_id: int | None, home: int) -> bool:
        """The rule of engine.items.routing, restated: active, visible, and in the unit or
        under its jurisdiction (under the item's jurisdiction when it has no unit)."""
        if not isinstance(user, int) or user not in self.users:
            return False
        jur, own_unit = self.users[user]
        if not actor.sees(jur):
            return False
        if unit_id is not None and own_unit == unit_id:
            return True
        root = next((self.unit_jur[c] for c, i in self.unit_id.items() if i == unit_id), home)
        return self.inside(jur, root)


@dataclass(kw_only=True)
class Drawn:
    """Data drawn for a trigger or a creation, and the fields deliberately made wrong."""

    data: dict[str, Any] = field(default_factory=dict)
    bad: set[str] = field(default_factory=set)


def spun(pool: list[Any] | tuple[Any, ...], spin: int) -> list[Any]:
    """`pool` rotated by `spin`: Hypothesis draws the front of a list most often, so turning
    the list each time lets every value (the last category, violation, too) come up."""
    k = spin % len(pool) if pool else 0
    return [*pool[k:], *pool[:k]]


def value_of(spec: FieldSpec, draw: Draw, *, units: list[str], users: list[int],
             other: int, spin: int = 0) -> Any:
    """A good value for `spec`, by its declared type (ids and codes from the given pools)."""
    kind = spec.kind
    if kind == "enum":
        return draw(st.sampled_from(spun(spec.values, spin)))
    if kind == "unit":
        return draw(st.sampled_from(spun(units, spin)))
    if kind == "user":
        return draw(st.sampled_from(spun(users, spin)))
    if kind == "item_ref":
        return other
    if kind == "integer":
        return draw(st.integers(0, 10**6))
    if kind == "number":
        return draw(st.integers(0, 10**6) | st.floats(-1e6, 1e6, allow_nan=False))
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "date":
        return draw(st.dates(date(2020, 1, 1), date(2030, 12, 31))).isoformat()
    if kind == "object":
        subs = spec.fields or (FieldSpec(name="note"),)
        return {s.name: value_of(s, draw, units=units, users=users, other=other, spin=spin)
                for s in subs if s.required or draw(st.booleans())}
    if kind == "list":
        element = spec.items or FieldSpec(name="entry")
        return [value_of(element, draw, units=units, users=users, other=other, spin=spin)
                for _ in range(draw(st.integers(0, 2)))]
    return draw(TEXT)


def draw_fields(specs: list[FieldSpec], draw: Draw, *, careful: bool, units: list[str],
                users: list[int], other: int, spin: int = 0) -> Drawn:
    """Each field good, left out or of the wrong type (careful: good, optional ones maybe
    left out). Left out counts as bad only for a required field."""
    out = Drawn()
    for spec in specs:
        how = "good" if careful else draw(st.sampled_from(["good"] * 5 + ["out", "wrong"]))
        if how == "good" and (spec.required or draw(st.booleans())):
            out.data[spec.name] = value_of(spec, draw, units=units, users=users, other=other,
                                           spin=spin)
        elif how == "wrong":
            out.data[spec.name] = WRONG[spec.kind]
            out.bad.add(spec.name)
        elif spec.required:
            out.bad.add(spec.name)
    return out


@dataclass(frozen=True, kw_only=True)
class Expected:
    outcome: str  # moved | not found | refused | forbidden | invalid
    why: str = ""  # for invalid: field | reference | condition | unit | assignee
    fields: frozenset[str] = frozenset()


def expected_fire(org: Org, conn: Connection, actor: Actor, row: Any, wf: WorkflowDef,
                  td: TransitionDef | None, drawn: Drawn, item_id: int) -> Expected:
    """What firing must do, checked in the engine's order: scope, state, role, fields,
    references, conditions on the stored data, then the unit and the assignee."""
    if not sees_item(actor, row):
        return Expected(outcome="not found")
    if td is None:
        return Expected(outcome="refused")
    if actor.role not in td.roles:
        return Expected(outcome="forbidden")
    if drawn.bad:
        return Expected(outcome="invalid", why="field", fields=frozenset(drawn.bad))
    for spec in td.fields:
        ref = drawn.data.get(spec.name)
        if spec.kind == "item_ref" and ref is not None:
            other = conn.execute(select(ITEM).where(ITEM.c.id == ref)).first()
            if other is None or other.id == item_id or other.workflow != wf.name \
                    or not sees_item(actor, other):
                return Expected(outcome="invalid", why="reference", fields=frozenset({spec.name}))
    failed = frozenset(c.field for c in td.conditions if not c.holds(row.data or {}))
    if failed:
        return Expected(outcome="invalid", why="condition", fields=failed)
    unit_id, home = row.unit_id, row.jurisdiction_id
    code = drawn.data.get("unit")
    if code is not None:
        if not actor.sees(org.unit_jur[code]):
            return Expected(outcome="invalid", why="unit", fields=frozenset({"unit"}))
        unit_id, home = org.unit_id[code], org.unit_jur[code]
    user = drawn.data.get("assignee")
    if user is not None and not org.may_assign(actor, user, unit_id, home):
        return Expected(outcome="invalid", why="assignee", fields=frozenset({"assignee"}))
    return Expected(outcome="moved")
