"""Relations between leads: related (linked by staff, without merging), possible duplicates
(flagged at intake), and merges (the workflow's `merge` trigger, found in the audit trail).

Linking writes a `link` event into both leads' histories, in one transaction; a merge does
the same through engine.items.transition. Only the roles the workflow declares in
`link_roles` may link (supervisors and the reporting platform read, they do not write). Every
listing shows only leads the reader may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select

from engine.errors import Forbidden, InvalidData, NotFound
from engine.items import annotate
from engine.kernel import Actor, is_row_id
from engine.runtime import Runtime
from engine.storage import EVENT, ITEM, LINK, read_tx, write_tx

MAX_NOTE = 1000


@dataclass(frozen=True, kw_only=True)
class LinkView:
    """One relation as a reader sees it. kind: related | duplicate | merged_into |
    merged_from."""

    kind: str
    item_id: int
    ref: str
    title: str
    state: str
    at: datetime


def _visible_lead(conn: Connection, actor: Actor, item_id: int) -> Any:
    row = conn.execute(select(ITEM.c.id, ITEM.c.ref, ITEM.c.workflow, ITEM.c.workflow_version,
                              ITEM.c.jurisdiction_id)
                       .where(ITEM.c.id == item_id)).first() if is_row_id(item_id) else None
    if row is None or not actor.sees(row.jurisdiction_id):
        raise NotFound(f"item {item_id} not found")
    return row


def link_leads(rt: Runtime, *, actor: Actor, item_id: int, other_id: int,
               note: str = "") -> bool:
    """Link two related leads without merging them; both histories record it. Returns
    False (and writes nothing) when they are already linked.

    Raises NotFound when `item_id` is missing or out of scope (checked first, so a role that
    may not link learns nothing of items it cannot see), then Forbidden for a role the
    item's workflow does not list in `link_roles`."""
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidData(f"note must be at most {MAX_NOTE} characters",
                          fields={"note": "too long"})
    if item_id == other_id:
        raise InvalidData("a lead cannot be linked to itself", fields={"other_id": "same item"})
    with write_tx(rt.db) as conn:
        first = _visible_lead(conn, actor, item_id)
        roles = rt.registry.get(first.workflow, first.workflow_version).link_roles
        if actor.role not in roles:
            raise Forbidden(f"role {actor.role!r} may not link {first.workflow} items; "
                            f"link_roles: {', '.join(roles) or 'none'}")
        try:
            second = _visible_lead(conn, actor, other_id)
        except NotFound:  # named in the body, not the path: bad input, as for merge_into
            raise InvalidData(f"other_id: no other item {other_id} in your jurisdiction",
                              fields={"other_id": "unknown item"}) from None
        if first.workflow != second.workflow:
            raise InvalidData("only items of the same workflow can be linked",
                              fields={"other_id": f"is not a {first.workflow} item"})
        if conn.execute(select(LINK.c.id).where(LINK.c.item_id == item_id,
                                                LINK.c.other_id == other_id,
                                                LINK.c.kind == "related")).first():
            return False
        now = rt.clock.now()
        conn.execute(insert(LINK), [
            {"item_id": a, "other_id": b, "kind": "related", "actor": actor.label,
             "created_at": now} for a, b in ((item_id, other_id), (other_id, item_id))])
        for this, that in ((item_id, second), (other_id, first)):
            annotate(rt, actor=actor, item_id=this, trigger="link", comment=note,
                     data={"item_id": that.id, "ref": that.ref, "kind": "related"},
                     conn=conn)
    return True


def links_of(conn: Connection, actor: Actor, item_id: int) -> list[LinkView]:
    """Every relation of `item_id` to a lead the actor may see, oldest first."""
    _visible_lead(conn, actor, item_id)
    pairs: list[tuple[str, int, datetime]] = [
        (r.kind, r.other_id, r.created_at)
        for r in conn.execute(select(LINK.c.kind, LINK.c.other_id, LINK.c.created_at)
                              .where(LINK.c.item_id == item_id))]
    merge_events = conn.execute(
        select(EVENT.c.trigger, EVENT.c.data, EVENT.c.at).where(
            EVENT.c.item_id == item_id,
            or_(EVENT.c.trigger == "merge", EVENT.c.trigger == "link")))
    for ev in merge_events:
        data = ev.data or {}
        if ev.trigger == "merge" and isinstance(data.get("merge_into"), int):
            pairs.append(("merged_into", data["merge_into"], ev.at))
        elif data.get("via") == "merge" and isinstance(data.get("item_id"), int):
            pairs.append(("merged_from", data["item_id"], ev.at))
    if not pairs:
        return []
    others = {r.id: r for r in conn.execute(
        select(ITEM.c.id, ITEM.c.ref, ITEM.c.title, ITEM.c.state, ITEM.c.jurisdiction_id)
        .where(ITEM.c.id.in_({p[1] for p in pairs})))}
    out = [LinkView(kind=kind, item_id=oid, ref=others[oid].ref, title=others[oid].title,
                    state=others[oid].state, at=at)
           for kind, oid, at in pairs
           if oid in others and actor.sees(others[oid].jurisdiction_id)]
    return sorted(out, key=lambda v: (v.at, v.item_id, v.kind))


def read_links(rt: Runtime, *, actor: Actor, item_id: int) -> list[LinkView]:
    with read_tx(rt.db) as conn:
        return links_of(conn, actor, item_id)
