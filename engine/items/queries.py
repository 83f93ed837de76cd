"""Read queries the API (and the benchmarks) use: an item in scope, filtered lists with a
keyset cursor, an item's history, the audit event listing.

Which items are in scope is decided in `engine.items.scope` alone (`sees_item` for a row,
`visible_items` for SQL). Lean on purpose: SQLAlchemy Core on the tables, a subtree scope
resolved to a short list of jurisdiction ids first (a county is one id), so each first page
is one index range scan (`ix_item_jurisdiction_id` for the newest-first queue,
`ix_item_due_id` for overdue lists)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, Select, and_, bindparam, or_, select

from engine.errors import InvalidData, NotFound
from engine.items.lights import Light, LightRule, light_is
from engine.items.scope import sees_item, visible_item_branches, visible_items
from engine.kernel import Actor, is_row_id
from engine.org import subtree_ids
from engine.storage import EVENT, ITEM, JUR, NOTICE, TLOG_LEAF, UNIT, USER, PlainRow, Prepared

MAX_LIMIT = 200
Order = Literal["newest", "due"]

# What a list or a read returns: the item's columns plus the codes the API speaks in.
ITEM_COLUMNS = (
    ITEM.c.id, ITEM.c.ref, ITEM.c.workflow, ITEM.c.workflow_version, ITEM.c.title,
    ITEM.c.state, ITEM.c.jurisdiction_id, ITEM.c.unit_id, ITEM.c.assignee_id,
    ITEM.c.created_by, ITEM.c.data,
    ITEM.c.version, ITEM.c.created_at, ITEM.c.updated_at, ITEM.c.state_entered_at,
    ITEM.c.due_at, ITEM.c.remind_at, ITEM.c.escalation_level, ITEM.c.closed_at,
    ITEM.c.supervision_counts,
    JUR.c.code.label("jurisdiction_code"), UNIT.c.code.label("unit_code"),
)


def _item_select() -> Select[Any]:
    return (select(*ITEM_COLUMNS)
            .join(JUR, JUR.c.id == ITEM.c.jurisdiction_id)
            .outerjoin(UNIT, UNIT.c.id == ITEM.c.unit_id))


def get_item(conn: Connection, actor: Actor, item_id: int) -> Any:
    """The item, or NotFound when it is missing *or* outside the actor's scope."""
    row = conn.execute(_item_select().where(ITEM.c.id == item_id)).first()
    if row is None or not sees_item(actor, row):
        raise NotFound(f"item {item_id} not found")
    return row


# get_item's statement on the driver's cursor (engine/storage/prepared.py), for answers read
# inside a write transaction: SQLAlchemy built, cached and executed the select per call.
_ITEM_BY_ID = Prepared(_item_select().where(ITEM.c.id == bindparam("item_id")))


def item_in_sight(conn: Connection, actor: Actor, item_id: int) -> PlainRow | None:
    """The row `get_item` returns (same columns and values, as a PlainRow), or None when
    the item is missing or outside the actor's scope."""
    row = _ITEM_BY_ID.first(conn, {"item_id": item_id})
    return row if row is not None and sees_item(actor, row) else None


def visible_jurisdiction(conn: Connection, actor: Actor, code: str) -> Any:
    """The jurisdiction with this code; NotFound alike when unknown or out of scope."""
    row = conn.execute(select(JUR).where(JUR.c.code == code)).first()
    if row is None or not actor.sees(row.id):
        raise NotFound(f"no jurisdiction with code {code!r}")
    return row


def visible_unit(conn: Connection, actor: Actor, code: str) -> Any:
    """The unit with this code; NotFound alike when unknown or out of scope."""
    row = conn.execute(select(UNIT).where(UNIT.c.code == code)).first()
    if row is None or not actor.sees(row.jurisdiction_id):
        raise NotFound(f"no unit with code {code!r}")
    return row


def scope_ids(conn: Connection, actor: Actor, jurisdiction_id: int | None) -> list[int] | None:
    """Jurisdiction ids of the org (units, users) a query may touch: the subtree of
    `jurisdiction_id` (which must be in scope, else NotFound) or the actor's whole scope.
    None means no restriction. Items are scoped by `visible_items` instead."""
    if jurisdiction_id is None:
        return None if actor.scope is None else sorted(actor.scope)
    if not actor.sees(jurisdiction_id):
        raise NotFound(f"jurisdiction {jurisdiction_id} not found")
    return sorted(subtree_ids(conn, jurisdiction_id))


@dataclass(frozen=True, kw_only=True)
class ItemFilters:
    workflow: str | None = None
    state: str | None = None
    jurisdiction_id: int | None = None  # the subtree of this jurisdiction
    unit_id: int | None = None
    assignee_id: int | None = None
    overdue: bool | None = None
    open: bool | None = None  # True: not closed (a work queue); False: closed only
    escalation_level: int | None = None
    supervision_level: str | None = None  # has a notice now at this level (code)
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    text: str | None = None  # substring of the title, case-insensitive
    light: Light | None = None  # showing this warning light, by `light_rule`
    light_rule: LightRule | None = None


def light_terms(light: Light | None, rule: LightRule | None) -> list[Any]:
    """WHERE terms of a light filter; the rule says where each workflow's yellow begins."""
    if light is None:
        return []
    if rule is None:
        raise ValueError("a light filter needs the light rule (engine.items.light_rule)")
    return light_is(rule, light)


@dataclass(frozen=True, kw_only=True)
class Page:
    rows: list[Any]
    next_cursor: str | None


def _encode_cursor(order: Order, row: Any) -> str:
    key: dict[str, Any] = {"o": order, "id": row.id}
    if order == "due":
        key["due"] = row.due_at.isoformat() if row.due_at else None
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode_cursor(order: Order, cursor: str) -> dict[str, Any]:
    """The key a cursor carries, checked as input: it comes back from the client, so an id
    outside the id columns' range or a time Python cannot hold is refused like any other
    malformed cursor, never compared in SQL."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(key, dict) or key.get("o") != order or not is_row_id(key["id"]):
            raise ValueError("wrong cursor")
        if order == "due":
            due = datetime.fromisoformat(key["due"])
            if due.tzinfo is None:
                raise ValueError("naive time in cursor")
            key["due"] = due.astimezone(UTC)  # OverflowError near year 1 or 9999
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError, binascii.Error,
            UnicodeDecodeError):
        raise InvalidData("cursor is not valid for this query; start again without it",
                          fields={"cursor": "invalid"}) from None
    return key


def _where(filters: ItemFilters, now: datetime) -> list[Any]:
    f, out = filters, []
    if f.workflow is not None:
        out.append(ITEM.c.workflow == f.workflow)
    if f.state is not None:
        out.append(ITEM.c.state == f.state)
    if f.unit_id is not None:
        out.append(ITEM.c.unit_id == f.unit_id)
    if f.assignee_id is not None:
        out.append(ITEM.c.assignee_id == f.assignee_id)
    if f.overdue is True:
        out += [ITEM.c.due_at < now, ITEM.c.closed_at.is_(None)]
    elif f.overdue is False:
        out.append(or_(ITEM.c.due_at.is_(None), ITEM.c.due_at >= now))
    if f.open is True:
        out.append(ITEM.c.closed_at.is_(None))
    elif f.open is False:
        out.append(ITEM.c.closed_at.is_not(None))
    if f.escalation_level is not None:
        out.append(ITEM.c.escalation_level == f.escalation_level)
    if f.supervision_level is not None:
        out.append(ITEM.c.id.in_(select(NOTICE.c.item_id)
                                 .where(NOTICE.c.level == f.supervision_level)))
    for col, low, high in ((ITEM.c.created_at, f.created_from, f.created_to),
                           (ITEM.c.updated_at, f.updated_from, f.updated_to)):
        if low is not None:
            out.append(col >= low)
        if high is not None:
            out.append(col < high)
    if f.text:
        out.append(ITEM.c.title.icontains(f.text, autoescape=True))
    return out + light_terms(f.light, f.light_rule)


def list_items(conn: Connection, actor: Actor, filters: ItemFilters, *, now: datetime,
               limit: int = 50, cursor: str | None = None, order: Order = "newest") -> Page:
    """One page of items in the actor's scope matching `filters`, in a stable order:
    newest first (by id), or by due time (earliest first; items without one are left out)."""
    limit = max(1, min(limit, MAX_LIMIT))
    key = _decode_cursor(order, cursor) if cursor else None
    if order == "newest":
        # one query per alternative of the scope (a handler: their unit's items, and those
        # assigned to them), each an ordered index range scan; merged here, a page is small
        pages = []
        for branch in visible_item_branches(conn, actor, within=filters.jurisdiction_id):
            q = _item_select().where(*_where(filters, now), *branch)
            if key:
                q = q.where(ITEM.c.id < key["id"])
            pages.append(conn.execute(q.order_by(ITEM.c.id.desc()).limit(limit + 1)).all())
        rows = pages[0] if len(pages) == 1 else sorted(
            {r.id: r for page in pages for r in page}.values(), key=lambda r: -r.id)
    else:
        # `by_due` keeps the planner off the jurisdiction (unit, assignee) index: without
        # table statistics SQLite would pick it and sort a whole city's items; walking
        # ix_item_due_id and filtering by scope stops after one page.
        q = _item_select().where(*_where(filters, now), *visible_items(
            conn, actor, within=filters.jurisdiction_id, by_due=True))
        q = q.where(ITEM.c.due_at.is_not(None))
        if key:
            q = q.where(or_(ITEM.c.due_at > key["due"],
                            and_(ITEM.c.due_at == key["due"], ITEM.c.id > key["id"])))
        rows = conn.execute(q.order_by(ITEM.c.due_at, ITEM.c.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = list(rows[:limit])
    return Page(rows=rows, next_cursor=_encode_cursor(order, rows[-1]) if more else None)


def history(conn: Connection, actor: Actor, item_id: int) -> list[Any]:
    """The item's audit events in order, each with its transparency-log leaf index (None
    until sequenced); NotFound when the item is not visible."""
    get_item(conn, actor, item_id)
    return list(conn.execute(select(EVENT, TLOG_LEAF.c.idx.label("leaf_index"))
                             .outerjoin(TLOG_LEAF, TLOG_LEAF.c.event_id == EVENT.c.id)
                             .where(EVENT.c.item_id == item_id).order_by(EVENT.c.seq)))


@dataclass(frozen=True, kw_only=True)
class EventFilters:
    actor: str | None = None  # "user:<id>" or "system"
    trigger: str | None = None
    jurisdiction_id: int | None = None  # the item's (current) jurisdiction subtree
    at_from: datetime | None = None
    at_to: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class EventPage:
    rows: list[Any]
    next_cursor: int | None  # the id to pass as `after`


def list_events(conn: Connection, actor: Actor, filters: EventFilters, *,
                limit: int = 100, after: int | None = None) -> EventPage:
    """Audit events of items in scope, oldest first, paged by event id."""
    limit = max(1, min(limit, MAX_LIMIT))
    q = (select(EVENT, ITEM.c.ref, JUR.c.code.label("jurisdiction_code"))
         .join(ITEM, ITEM.c.id == EVENT.c.item_id)
         .join(JUR, JUR.c.id == ITEM.c.jurisdiction_id)
         .where(*visible_items(conn, actor, within=filters.jurisdiction_id)))
    if filters.actor is not None:
        q = q.where(EVENT.c.actor == filters.actor)
    if filters.trigger is not None:
        q = q.where(EVENT.c.trigger == filters.trigger)
    if filters.at_from is not None:
        q = q.where(EVENT.c.at >= filters.at_from)
    if filters.at_to is not None:
        q = q.where(EVENT.c.at < filters.at_to)
    if after is not None:
        q = q.where(EVENT.c.id > after)
    rows = list(conn.execute(q.order_by(EVENT.c.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return EventPage(rows=rows, next_cursor=rows[-1].id if more else None)


def item_ids_in_scope(conn: Connection, actor: Actor) -> list[int] | None:
    """Every item id the actor may see (None: all of them, no need to list)."""
    terms = visible_items(conn, actor)
    if not terms:
        return None
    return list(conn.execute(select(ITEM.c.id).where(*terms)).scalars())


def user_ids_in_scope(conn: Connection, actor: Actor) -> Sequence[int] | None:
    """Ids of the users in the actor's scope (None: all of them)."""
    ids = scope_ids(conn, actor, None)
    if ids is None:
        return None
    return list(conn.execute(select(USER.c.id).where(USER.c.jurisdiction_id.in_(ids)))
                .scalars())
