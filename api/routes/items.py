"""Items: create (idempotent), list with filters and a cursor, read with the transitions
available now, fire a transition under If-Match, read the history.

Every state change goes through engine.items.transition (create_item_once / apply); this module
only translates HTTP to those calls."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from api.deps import ItemId, Person, RuntimeDep, ScopedItem
from api.errors import PreconditionFailed, problems
from api.schemas import (
    History,
    HistoryEventOut,
    ItemCreate,
    ItemDetail,
    ItemPage,
    TimeParam,
    TransitionIn,
)
from api.views import event_out, item_detail, item_detail_json, item_out, lights_now
from engine.errors import NotFound
from engine.items import (
    Change,
    ItemFilters,
    apply,
    create_item_once,
    get_item,
    history,
    item_in_sight,
    list_items,
    visible_jurisdiction,
    visible_unit,
)
from engine.kernel import Actor
from engine.org import request_fingerprint
from engine.runtime import Runtime
from engine.storage import read_tx

router = APIRouter(prefix="/v1/items", tags=["items"])
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", max_length=200,
    description="Retrying with the same key and body returns the same item")]
IfMatch = Annotated[str | None, Header(
    alias="If-Match",
    description="The item's ETag (its version); the transition fails with 412 if it moved")]
ETAG = re.compile(r'^"(\d{1,10})"$')  # what etag() writes; nothing else can match
ETAG_HEADER = {"ETag": {"description": "the item's version, quoted; send it as If-Match",
                        "schema": {"type": "string"}}}
LOCATION_HEADER = {"Location": {"description": "the item's URL", "schema": {"type": "string"}}}


def etag(version: int) -> str:
    return f'"{version}"'


def _detail_response(rt: Runtime, actor: Actor, item_id: int, status: int,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    with read_tx(rt.db) as conn:
        row = get_item(conn, actor, item_id)
    return JSONResponse(item_detail_json(row, rt, actor), status_code=status,
                        headers={"ETag": etag(row.version)} | (headers or {}))


@router.post("", status_code=201, response_model=ItemDetail,
             responses=problems(401, 403, 404, 422, ok={
                 201: {"headers": ETAG_HEADER | LOCATION_HEADER},
                 200: {"model": ItemDetail, "headers": ETAG_HEADER | LOCATION_HEADER,
                       "description": "A retry with the same Idempotency-Key and body"}}))
def create(body: ItemCreate, actor: Person, rt: RuntimeDep,
           idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Create an item in its workflow's initial state; 201 with Location."""
    made = create_item_once(rt, actor=actor, key=idempotency_key,
                            request_hash=request_fingerprint(body.model_dump(mode="json")),
                            workflow=body.workflow, jurisdiction=body.jurisdiction,
                            title=body.title, data=body.data, unit=body.unit,
                            comment=body.comment)
    return _detail_response(rt, actor, made.item_id, 200 if made.replay else 201,
                            {"Location": f"/v1/items/{made.item_id}"})


Int = Annotated[int | None, Query(ge=0, le=2**31 - 1)]


@router.get("", response_model=ItemPage, responses=problems(401, 403, 404, 422))
def list_(actor: Person, rt: RuntimeDep,
          workflow: Annotated[str | None, Query(max_length=64)] = None,
          state: Annotated[str | None, Query(max_length=64)] = None,
          jurisdiction: Annotated[str | None, Query(
              max_length=32, description="a jurisdiction code; its whole subtree")] = None,
          unit: Annotated[str | None, Query(max_length=64, description="a unit code")] = None,
          assignee: Annotated[int | None, Query(ge=1, le=2**31 - 1,
                                                description="a user id")] = None,
          overdue: bool | None = None,
          open_: Annotated[bool | None, Query(
              alias="open",
              description="true: not closed (a work queue); false: closed only")] = None,
          escalation_level: Int = None,
          supervision_level: Annotated[str | None, Query(
              max_length=32, description="has a supervision notice at this level, "
                                         "e.g. yellow (黄牌)")] = None,
          created_from: TimeParam = None, created_to: TimeParam = None,
          updated_from: TimeParam = None, updated_to: TimeParam = None,
          q: Annotated[str | None, Query(max_length=200,
                                         description="text in the title")] = None,
          light: Annotated[Literal["green", "yellow", "red"] | None, Query(
              description="open items showing this warning light")] = None,
          order: Literal["newest", "due"] = "newest",
          limit: Annotated[int, Query(ge=1, le=200)] = 50,
          cursor: Annotated[str | None, Query(max_length=500)] = None) -> ItemPage:
    """Items in your scope, newest first (or earliest due first), one page at a time."""
    with read_tx(rt.db) as conn:
        jid = visible_jurisdiction(conn, actor, jurisdiction).id if jurisdiction else None
        uid = visible_unit(conn, actor, unit).id if unit else None
        lights = lights_now(rt, rt.clock.now())
        filters = ItemFilters(
            workflow=workflow, state=state, jurisdiction_id=jid, unit_id=uid,
            assignee_id=assignee, overdue=overdue, open=open_, escalation_level=escalation_level,
            supervision_level=supervision_level,
            created_from=created_from, created_to=created_to, updated_from=updated_from,
            updated_to=updated_to, text=q, light=light, light_rule=lights)
        page = list_items(conn, actor, filters, now=lights.now, limit=limit, cursor=cursor,
                          order=order)
    return ItemPage(items=[item_out(r, lights) for r in page.rows],
                    next_cursor=page.next_cursor)


@router.get("/{item_id}", response_model=ItemDetail,
            responses=problems(401, 403, 404, 422, ok={200: {"headers": ETAG_HEADER}}))
def read(item: ScopedItem, actor: Person, rt: RuntimeDep, response: Response) -> ItemDetail:
    """The item, its version (also as ETag) and the transitions you may fire now."""
    response.headers["ETag"] = etag(item.version)
    return item_detail(item, rt, actor)


@router.post("/{item_id}/transitions", response_model=ItemDetail,
             responses=problems(401, 403, 404, 409, 412, 422,
                                ok={200: {"headers": ETAG_HEADER}}))
def transition(item_id: ItemId, body: TransitionIn, actor: Person, rt: RuntimeDep,
               if_match: IfMatch = None) -> JSONResponse:
    """Fire a trigger. With If-Match, only if the item is still at that version."""
    # one transaction: apply() reads the item (404 out of scope, as everywhere) and the
    # answer is the row its write left, read in the same transaction
    expected = _expected_version_of(rt, actor, item_id, if_match)
    rows: list[Any] = []

    def answer(conn: Connection, change: Change) -> None:
        # a move that takes the item out of the caller's sight still happens, answered 404
        # as before; the hook must not undo it
        rows.append(item_in_sight(conn, actor, change.item_id))

    apply(rt, actor=actor, item_id=item_id, trigger=body.trigger, data=body.data,
          comment=body.comment, expected_version=expected, after=answer)
    row = rows[0]
    if row is None:
        raise NotFound(f"item {item_id} not found")
    return JSONResponse(item_detail_json(row, rt, actor), headers={"ETag": etag(row.version)})


def _expected_version_of(rt: Runtime, actor: Actor, item_id: int,
                         if_match: str | None) -> int | None:
    """`_expected_version` without reading the item unless If-Match is malformed (the 412
    says the current version; the read answers 404 for an item out of scope first)."""
    if if_match is None or if_match.strip() == "*" or ETAG.match(if_match.strip()):
        return _expected_version(None, if_match)
    with read_tx(rt.db) as conn:
        return _expected_version(get_item(conn, actor, item_id), if_match)


def _expected_version(item: Any, if_match: str | None) -> int | None:
    """The version If-Match names. RFC 9110 compares If-Match strongly, so a weak ETag never
    matches; anything but one of the quoted versions etag() writes is a 412 that says what
    was wrong (a list, though HTTP allows one, cannot name the one version to expect)."""
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip()
    if ETAG.match(value) is None:
        raise PreconditionFailed(_etag_problem(value), current_version=item.version)
    return int(value.strip('"'))


def _etag_problem(value: str) -> str:
    shown = repr(value if len(value) <= 40 else value[:40] + "…")
    example = f'send the ETag of the item as given, e.g. If-Match: {etag(1)}'
    if value.startswith("W/"):
        return f"If-Match {shown} is a weak ETag, which If-Match never matches; {example}"
    if "," in value:
        return f"If-Match {shown} lists several ETags; name exactly one: {example}"
    if not (value.startswith('"') and value.endswith('"') and len(value) >= 2):
        return f"If-Match {shown} is not a quoted ETag; {example}"
    return (f"If-Match {shown} is not an ETag this server issues (they are quoted item "
            f"versions); {example}")


@router.get("/{item_id}/history", response_model=History,
            responses=problems(401, 403, 404, 422))
def item_history(item: ScopedItem, actor: Person, rt: RuntimeDep) -> History:
    """The item's audit events in order, each with its hash and the previous one's."""
    with read_tx(rt.db) as conn:
        rows = history(conn, actor, item.id)
    return History(item_id=item.id, ref=item.ref,
                   events=[HistoryEventOut(**event_out(r), leaf_index=r.leaf_index)
                           for r in rows])
