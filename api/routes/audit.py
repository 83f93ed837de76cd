"""The audit trail for supervisors (and offices and admins): events in scope, and a check of
every chain in scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Auditor, RuntimeDep
from api.errors import problems
from api.schemas import AuditEventOut, BrokenChainOut, EventPage, TimeParam, VerifyOut
from api.views import event_out
from engine.items import EventFilters, list_events, verify_in_scope, visible_jurisdiction
from engine.kernel import MAX_ROW_ID
from engine.storage import read_tx, snapshot_tx

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("/events", response_model=EventPage, responses=problems(401, 403, 404, 422))
def events(actor: Auditor, rt: RuntimeDep,
           actor_label: Annotated[str | None, Query(
               alias="actor", max_length=64, description='"user:<id>" or "system"')] = None,
           trigger: Annotated[str | None, Query(max_length=64)] = None,
           jurisdiction: Annotated[str | None, Query(
               max_length=32, description="items now in this jurisdiction's subtree")] = None,
           at_from: TimeParam = None, at_to: TimeParam = None,
           limit: Annotated[int, Query(ge=1, le=200)] = 100,
           after: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID,
                                              description="next_cursor of the last page")
                            ] = None) -> EventPage:
    """Audit events of the items in your scope, oldest first."""
    with read_tx(rt.db) as conn:
        jid = visible_jurisdiction(conn, actor, jurisdiction).id if jurisdiction else None
        page = list_events(conn, actor, EventFilters(
            actor=actor_label, trigger=trigger, jurisdiction_id=jid, at_from=at_from,
            at_to=at_to), limit=limit, after=after)
    return EventPage(events=[AuditEventOut(**event_out(r), ref=r.ref,
                                           jurisdiction=r.jurisdiction_code)
                             for r in page.rows], next_cursor=page.next_cursor)


@router.post("/verify", response_model=VerifyOut, responses=problems(401, 403))
def verify_chains(actor: Auditor, rt: RuntimeDep) -> VerifyOut:
    """Verify every audit chain in your scope: hashes, links, heads, replayed states."""
    with snapshot_tx(rt.db) as conn:
        report = verify_in_scope(conn, actor)
    return VerifyOut(ok=report.ok, checked_items=report.items, checked_events=report.events,
                     broken=[BrokenChainOut(item_id=b.item_id, ref=b.ref, first_bad_seq=b.seq,
                                            reason=b.reason) for b in report.broken])
