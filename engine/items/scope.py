"""Which items an actor may see and act on: the one rule, twice over — `sees_item` for a row
in hand (reads and the one writer), `visible_items` as SQL terms for lists, reports, counts and
the audit listing (and `visible_item_branches`, the same terms as alternatives for ordered
pages). `tests/engine/items/test_scope.py` holds them to the same answers.

The rule follows the actor's item scope, which the org file declares per role:
- `subtree`: items whose jurisdiction is in the actor's subtree (None: everything, the
  scheduler and the bootstrap token);
- `unit`: items of the actor's unit, and items assigned to the actor;
- `own_submissions`: items the actor handed in (`item.created_by`).
Anything else is out of scope, and out of scope looks exactly like missing (NotFound)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, false, or_, select

from engine.errors import InvalidData, NotFound
from engine.kernel import SCOPE_MEANING, Actor, ItemScope
from engine.org import subtree_ids
from engine.storage import ITEM, UNIT


@dataclass(frozen=True, kw_only=True)
class Placement:
    """Everything an item's visibility depends on: where it sits, whose it is. Item rows
    carry the same attributes; this stands for an item about to be created."""

    jurisdiction_id: int
    unit_id: int | None
    assignee_id: int | None
    created_by: int | None


def sees_item(actor: Actor, item: Any) -> bool:
    """Whether `actor` may see (and so try to act on) `item`: any object with the attributes
    of `Placement`, such as an item row."""
    if actor.item_scope is ItemScope.subtree:
        return actor.sees(item.jurisdiction_id)
    if actor.item_scope is ItemScope.unit:
        return ((actor.unit_id is not None and item.unit_id == actor.unit_id)
                or (actor.user_id is not None and item.assignee_id == actor.user_id))
    if actor.item_scope is ItemScope.own_submissions:
        return actor.user_id is not None and item.created_by == actor.user_id
    return False  # a scope this code does not know sees nothing


def visible_items(conn: Connection, actor: Actor, *, within: int | None = None,
                  by_due: bool = False) -> list[ColumnElement[bool]]:
    """WHERE terms on `item` selecting what `sees_item` admits, narrowed to the subtree of
    jurisdiction `within` when given (NotFound when that jurisdiction is out of the actor's
    scope). No terms: everything. `by_due` keeps the planner off the jurisdiction, unit and
    assignee indexes for lists in due order, so it walks `ix_item_due_id` and stops after one
    page (see `engine.items.queries.list_items`)."""
    branches = visible_item_branches(conn, actor, within=within, by_due=by_due)
    if len(branches) == 1:
        return branches[0]
    return [or_(*(and_(*b) for b in branches))]


def visible_item_branches(conn: Connection, actor: Actor, *, within: int | None = None,
                          by_due: bool = False) -> list[list[ColumnElement[bool]]]:
    """The same rule as alternatives: an item is visible when it meets every term of one of
    them. A newest-first list runs one query per alternative, each an ordered range scan of
    its index (`ix_item_unit_id`, `ix_item_assignee_id`), where their OR would make either
    database gather and sort a whole unit's items for one page."""
    def col(c: Any) -> Any:
        return c + 0 if by_due else c

    common: list[ColumnElement[bool]] = []
    if within is not None:
        if not actor.sees(within):
            raise NotFound(f"jurisdiction {within} not found")
        # a subtree inside the actor's subtree: it is the whole `subtree` condition too
        common.append(col(ITEM.c.jurisdiction_id).in_(sorted(subtree_ids(conn, within))))
    if actor.item_scope is ItemScope.subtree:
        if within is None and actor.scope is not None:
            common.append(col(ITEM.c.jurisdiction_id).in_(sorted(actor.scope)))
        return [common]
    if actor.item_scope is ItemScope.unit:
        branches = [[*common, col(ITEM.c.unit_id) == actor.unit_id]
                    if actor.unit_id is not None else None,
                    [*common, col(ITEM.c.assignee_id) == actor.user_id]
                    if actor.user_id is not None else None]
        found = [b for b in branches if b is not None]
        return found or [[false()]]
    if actor.item_scope is ItemScope.own_submissions and actor.user_id is not None:
        return [[*common, ITEM.c.created_by == actor.user_id]]
    return [[false()]]


def check_creation_in_scope(conn: Connection, actor: Actor, placement: Placement) -> None:
    """An actor creates only items they may see afterwards. The jurisdiction and unit were
    already found in the actor's org scope, so naming the fix reveals nothing hidden."""
    if sees_item(actor, placement):
        return
    hint = "give a unit you may act for"
    if actor.item_scope is ItemScope.unit:
        code = (conn.execute(select(UNIT.c.code).where(UNIT.c.id == actor.unit_id)).scalar()
                if actor.unit_id is not None else None)
        hint = (f"give unit {code!r}, your unit" if code is not None
                else "you belong to no unit; ask an admin to give you one")
    raise InvalidData(
        f"as {actor.role} you see and act on {SCOPE_MEANING[actor.item_scope.value]}; this "
        f"item would be outside that ({hint})", fields={"unit": "outside your scope"})
