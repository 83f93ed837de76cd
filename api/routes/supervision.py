"""Supervision notices (督办) and extensions (延期) of an item: issue, reply, accept, return;
request, approve, refuse; and the list of both. Every step goes through engine.supervision,
which records it in the item's audit chain through the one writer; an item out of scope is
404 like a missing one."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import Person, RuntimeDep, ScopedItem
from api.errors import problems
from api.schemas import (
    AcceptIn,
    ApproveIn,
    ExtensionIn,
    ExtensionOut,
    NoticeIn,
    NoticeOut,
    RefuseIn,
    ReplyIn,
    ReturnIn,
    SupervisionOut,
)
from engine.supervision import (
    ExtensionRecord,
    NoticeRecord,
    accept_reply,
    approve_extension,
    issue_notice,
    list_extensions,
    list_notices,
    refuse_extension,
    reply_notice,
    request_extension,
    return_reply,
)

router = APIRouter(prefix="/v1/items", tags=["supervision"])
NoticeId = Annotated[int, Path(description="the notice's id", ge=1, le=2**31 - 1)]
ExtensionId = Annotated[int, Path(description="the extension's id", ge=1, le=2**31 - 1)]
STEP = problems(401, 403, 404, 409, 422)


def _notice(rec: NoticeRecord) -> NoticeOut:
    return NoticeOut(**asdict(rec))


def _extension(rec: ExtensionRecord) -> ExtensionOut:
    return ExtensionOut(**asdict(rec))


@router.get("/{item_id}/supervision", response_model=SupervisionOut,
            responses=problems(401, 403, 404, 422))
def read(item: ScopedItem, actor: Person, rt: RuntimeDep) -> SupervisionOut:
    """The item's supervision notices and extension requests, oldest first."""
    return SupervisionOut(item_id=item.id,
                          notices=[_notice(n) for n in list_notices(rt, actor, item.id)],
                          extensions=[_extension(e) for e in list_extensions(rt, actor, item.id)])


@router.post("/{item_id}/supervision", status_code=201, response_model=NoticeOut,
             responses=STEP)
def issue(item: ScopedItem, body: NoticeIn, actor: Person, rt: RuntimeDep) -> NoticeOut:
    """Issue a supervision notice (督办通知) on the item."""
    return _notice(issue_notice(rt, actor=actor, item_id=item.id, level=body.level,
                                requirement=body.requirement, reply_days=body.reply_days))


@router.post("/{item_id}/supervision/{notice_id}/reply", response_model=NoticeOut,
             responses=STEP)
def reply(item: ScopedItem, notice_id: NoticeId, body: ReplyIn, actor: Person,
          rt: RuntimeDep) -> NoticeOut:
    """The handling unit's reply (反馈)."""
    return _notice(reply_notice(rt, actor=actor, item_id=item.id, notice_id=notice_id,
                                reply=body.reply))


@router.post("/{item_id}/supervision/{notice_id}/accept", response_model=NoticeOut,
             responses=STEP)
def accept(item: ScopedItem, notice_id: NoticeId, body: AcceptIn, actor: Person,
           rt: RuntimeDep) -> NoticeOut:
    """The issuer accepts the reply."""
    return _notice(accept_reply(rt, actor=actor, item_id=item.id, notice_id=notice_id,
                                comment=body.comment))


@router.post("/{item_id}/supervision/{notice_id}/return", response_model=NoticeOut,
             responses=STEP)
def return_(item: ScopedItem, notice_id: NoticeId, body: ReturnIn, actor: Person,
            rt: RuntimeDep) -> NoticeOut:
    """The issuer sends the reply back; a new one is due."""
    return _notice(return_reply(rt, actor=actor, item_id=item.id, notice_id=notice_id,
                                reason=body.reason))


@router.post("/{item_id}/extensions", status_code=201, response_model=ExtensionOut,
             responses=STEP)
def request(item: ScopedItem, body: ExtensionIn, actor: Person,
            rt: RuntimeDep) -> ExtensionOut:
    """Ask for more working days on the deadline of the item's current state (延期申请)."""
    return _extension(request_extension(rt, actor=actor, item_id=item.id,
                                        working_days=body.working_days, reason=body.reason))


@router.post("/{item_id}/extensions/{extension_id}/approve", response_model=ExtensionOut,
             responses=STEP)
def approve(item: ScopedItem, extension_id: ExtensionId, body: ApproveIn, actor: Person,
            rt: RuntimeDep) -> ExtensionOut:
    """Grant the request (perhaps fewer days): the due time and the reminder move."""
    return _extension(approve_extension(rt, actor=actor, item_id=item.id,
                                        extension_id=extension_id,
                                        working_days=body.working_days, comment=body.comment))


@router.post("/{item_id}/extensions/{extension_id}/refuse", response_model=ExtensionOut,
             responses=STEP)
def refuse(item: ScopedItem, extension_id: ExtensionId, body: RefuseIn, actor: Person,
           rt: RuntimeDep) -> ExtensionOut:
    """Refuse the request with a reason; the deadline stays."""
    return _extension(refuse_extension(rt, actor=actor, item_id=item.id,
                                       extension_id=extension_id, reason=body.reason))
